-- stale: the watcher is stale by the one rule of warehouse/watcher_state.sql (the last refresh
-- failed or was partial, or no refresh completed for `stale_days` days).
-- One incident per stretch without a complete refresh: keyed by the last complete run. The runs
-- are those started by the frame's instant (all of them, but for a look at the past).
with state as (
    select *
    from watcher_state(
        (select today from alert_params), (select stale_days from alert_params), (select as_of from alert_params)
    )
),

final as (
    select
        'stale:watcher:' || coalesce(last_ok_run_id, 0) as alert_key,
        'stale' as kind,
        stale_detail as detail
    from state
    where is_stale
)

select * from final
