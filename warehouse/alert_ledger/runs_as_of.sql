-- The crawl runs an alerts run would have covered at $as_of: the last settled run started by then,
-- and the last refresh among them that loaded rows (complete or partial).
select
    max(run_id) filter (where status <> 'running') as through_run_id,
    max(run_id) filter (where status in ('ok', 'partial')) as latest_run_id
from runs
where started_at <= $as_of::timestamp
