-- When the warehouse last changed for a reader of the feeds: the end of its latest finished run.
select max(coalesce(finished_at, started_at)) as last_at
from runs
where status <> 'running'
