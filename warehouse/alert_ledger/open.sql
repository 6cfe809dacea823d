-- The alerts someone may still be owed, oldest first, with who already has each (their
-- alert_deliveries.channel keys): every pending alert, those raised after alert $after, and those
-- whose key is among $keys (a subscriber's backlog).
with chosen as (
    select * from alert_log
    where
        delivered_at is null
        or alert_id > coalesce($after::integer, 2147483647)
        or alert_key in (select unnest($keys::varchar[]))
),

final as (
    select
        a.* exclude (today, alert_run_id),
        coalesce(list(d.channel) filter (where d.delivered_at is not null), []) as delivered_to
    from chosen as a
    left join alert_deliveries as d using (alert_id)
    group by all
)

select * from final
order by alert_id
