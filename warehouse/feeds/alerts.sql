-- The latest alerts of the ledger for a feed, newest first, at most $most of them, read on the
-- feed's $today (alerts_on: days left and the renewal window counted to it).
with alert_list as (
    select * from alerts_on($today::date)
),

final as (
    select *
    from alert_list
    order by created_at desc, alert_id desc
    limit $most
)

select * from final
