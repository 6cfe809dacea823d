-- The alerts of $ids as the ledger holds them, oldest first, with who already took each (their
-- alert_deliveries.channel keys).
with chosen as (
    select * from alert_log
    where alert_id in (select unnest($ids::integer[]))
),

final as (
    select
        a.* exclude (today, alert_run_id, unreached_why),
        coalesce(list(d.channel) filter (where d.delivered_at is not null), []) as delivered_to
    from chosen as a
    left join alert_deliveries as d using (alert_id)
    group by all
)

select * from final
order by alert_id
