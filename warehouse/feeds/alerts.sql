-- The latest alerts of the ledger for a feed, newest first, at most $most of them.
with alert_list as (
    select
        alert_key, kind, cluster_id, country, name, portfolio, website, label_date,
        previous_label_date, threshold_days, days_left, renewal_closes_on, detail,
        alert_id, created_at, delivered_at, attempts, last_error
    from alert_log
),

final as (
    select *
    from alert_list
    order by created_at desc, alert_id desc
    limit $most
)

select * from final
