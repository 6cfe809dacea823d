-- The alerts of $ids as the ledger holds them, read on $today (alerts_on: days left counted to it),
-- oldest first, with who already took each (their alert_deliveries.channel keys).
with chosen as (
    select * from alerts_on($today::date)
    where alert_id in (select unnest($ids::integer[]))
),

final as (
    select
        a.*,
        coalesce(list(d.channel) filter (where d.delivered_at is not null), []) as delivered_to
    from chosen as a
    left join alert_deliveries as d using (alert_id)
    group by all
)

select * from final
order by alert_id
