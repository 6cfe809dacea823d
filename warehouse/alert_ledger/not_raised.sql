-- The candidates the kinds found (temp table alert_candidates) that alert_log does not hold yet,
-- ordered as $kinds lists the kinds (their declaration order), then by label date, country, name.
-- An alert names its event (a label's episode, a change's refresh: event_at); one raised before the
-- keys named events (or a tighter rung of the same label) is the same event when the alerts run
-- that raised it had already seen the event begin. Each is read on the run's day as alerts_on reads
-- the ledger's (warehouse/semantics/alerts_on.sql): the kinds counted its days_left to that day.
with candidates as (
    select * from alert_candidates
),

raised as (
    select a.alert_key, a.kind, a.cluster_id, a.label_date, a.threshold_days, r.started_at as seen_through
    from alert_log as a
    left join alert_runs as ar using (alert_run_id)
    left join runs as r on r.run_id = ar.through_run_id
),

final as (
    select
        c.* exclude (event_at),
        p.today as read_on,
        renewal_window(c.label_date, p.today) as renewal_window
    from candidates as c
    cross join alert_params as p
    where
        not exists (select 1 from raised as a where a.alert_key = c.alert_key)
        and not exists (
            select 1 from raised as a
            where
                a.kind = c.kind
                and a.cluster_id = c.cluster_id and a.label_date = c.label_date
                and (c.threshold_days is null or a.threshold_days <= c.threshold_days)
                and (c.event_at is null or a.seen_through >= c.event_at)
        )
)

select * from final
order by list_position($kinds::varchar[], kind), label_date, country, name
