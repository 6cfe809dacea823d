-- stale: the last refresh failed or was partial, or no refresh completed for `stale_days` days.
-- One incident per stretch without a complete refresh: keyed by the last complete run. The runs
-- are those started by the frame's instant (all of them, but for a look at the past).
with params as (
    select * from alert_params
),

runs_seen as (
    select * from alert_crawl_runs
),

last_runs as (
    select
        (select max(run_id) from runs_seen where status = 'ok') as last_ok_run_id,
        (select max(started_at) from runs_seen where status = 'ok') as last_ok_at,
        (select max(run_id) from runs_seen where status <> 'running') as last_run_id
),

watcher as (
    select
        l.last_ok_run_id,
        l.last_ok_at,
        r.run_id as last_run_id,
        r.status as last_status,
        r.started_at as last_started_at,
        r.message as last_message,
        p.today - l.last_ok_at::date as days_since_ok,
        p.stale_days
    from last_runs as l
    cross join params as p
    left join runs_seen as r on r.run_id = l.last_run_id
),

stale as (
    select
        *,
        case
            when last_run_id is null then 'no refresh has run yet'
            when last_status in ('failed', 'partial') then
                'the last refresh (run ' || last_run_id || ', started '
                || strftime(last_started_at, '%Y-%m-%d %H:%M') || ' UTC) was ' || last_status
                || coalesce(': ' || left(last_message, 300), '')
            when last_ok_run_id is null then 'no refresh has completed yet'
            else
                'no complete refresh for ' || days_since_ok || ' days (the last, run '
                || last_ok_run_id || ', started ' || strftime(last_ok_at, '%Y-%m-%d %H:%M') || ' UTC)'
        end as detail
    from watcher
    where
        last_run_id is null
        or last_status in ('failed', 'partial')
        or last_ok_run_id is null
        or days_since_ok >= stale_days
),

final as (
    select
        'stale:watcher:' || coalesce(last_ok_run_id, 0) as alert_key,
        'stale' as kind,
        detail
    from stale
)

select * from final
