-- The crawl runs the alerts runs covered, by their new ids: a replay numbers the runs anew in time
-- order ($old_ids[i] is now $new_ids[i]); an id the replay did not see stays as it was.
update alert_runs as a
set through_run_id = m.new_id
from (select unnest($old_ids::integer[]) as old_id, unnest($new_ids::integer[]) as new_id) as m
where a.through_run_id = m.old_id
