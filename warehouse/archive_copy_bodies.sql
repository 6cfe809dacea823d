-- The bodies of the attached warehouse `archive_source` that this one lacks (bodies are keyed by
-- their hash, so one already here is the same body).
insert into page_bodies
select s.*
from archive_source.page_bodies as s
where not exists (select 1 from page_bodies as b where b.sha256 = s.sha256);
