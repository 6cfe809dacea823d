-- Every alert not yet delivered, oldest first, with the channels that already have it.
with pending as (
    select * from alert_log where delivered_at is null
),

final as (
    select
        a.* exclude (today, alert_run_id),
        coalesce(list(d.channel) filter (where d.delivered_at is not null), []) as delivered_to
    from pending as a
    left join alert_deliveries as d using (alert_id)
    group by all
)

select * from final
order by alert_id
