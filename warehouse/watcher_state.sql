-- The watcher's own health as of the day `today`: the last refresh, the last complete one, and
-- whether the data is stale. One rule, read by the `stale` alert kind (alert_kinds/stale.sql) and
-- by `ecei status` (warehouse/watcher.py): stale when no refresh has run or completed yet, when the
-- last refresh failed or was partial, or when the last complete one started `stale_days` days or
-- more before `today`. A run still running is not the last refresh yet. With `seen_by` (a timestamp;
-- NULL: now) only the runs started by then count, for a look at the past (`alerts --as-of`). Times are written as
-- ecei.moments.stamp writes them (2018-10-15T09:30:00Z).
create or replace temp macro watcher_state(today, stale_days, seen_by) as table
with runs_seen as (
    select * from runs where seen_by is null or started_at <= seen_by::timestamp
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
        today::date - l.last_ok_at::date as days_since_ok,
        stale_days::integer as stale_days
    from last_runs as l
    left join runs_seen as r on r.run_id = l.last_run_id
),

judged as (
    select
        *,
        coalesce(
            last_run_id is null
            or last_status in ('failed', 'partial')
            or last_ok_run_id is null
            or days_since_ok >= stale_days,
            false
        ) as is_stale
    from watcher
),

final as (
    select
        *,
        case
            when not is_stale then null
            when last_run_id is null then 'no refresh has run yet'
            when last_status in ('failed', 'partial') then
                'the last refresh (run ' || last_run_id || ', started '
                || strftime(last_started_at, '%Y-%m-%dT%H:%M:%SZ') || ') was ' || last_status
                || coalesce(': ' || left(last_message, 300), '')
            when last_ok_run_id is null then 'no refresh has completed yet'
            else
                'no complete refresh for ' || days_since_ok || ' days (the last, run '
                || last_ok_run_id || ', started ' || strftime(last_ok_at, '%Y-%m-%dT%H:%M:%SZ') || ')'
        end as stale_detail
    from judged
)

select * from final
