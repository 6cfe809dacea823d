-- The candidates the kinds found (temp table alert_candidates) that alert_log does not hold yet,
-- ordered as $kinds lists the kinds (their declaration order), then by label date, country, name.
with candidates as (
    select * from alert_candidates
),

final as (
    select c.*
    from candidates as c
    where
        not exists (select 1 from alert_log as a where a.alert_key = c.alert_key)
        -- a tighter rung already raised for this label: a looser one is never sent after it
        and not exists (
            select 1 from alert_log as a
            where
                a.kind = c.kind
                and a.cluster_id = c.cluster_id and a.label_date = c.label_date
                and a.threshold_days <= c.threshold_days
        )
)

select * from final
order by list_position($kinds::varchar[], kind), label_date, country, name
