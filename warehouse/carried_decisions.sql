-- The decisions people made (ecei link / ecei unlink), oldest first, as a rebuild carries them:
-- every column but the id, which the new file numbers again.
select * exclude (link_id)
from cluster_links
where decided_by = 'person'
order by link_id
