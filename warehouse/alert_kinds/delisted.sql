-- delisted: a complete refresh since the previous alerts run no longer listed a cluster (a
-- renamed one is still listed). Once per delisting: the cluster and the refresh that found it gone.
with params as (
    select * from alert_params
),

new_changes as (
    select * from alert_new_changes
),

delisted as (
    select * from new_changes where change = 'removed'
),

final as (
    select
        'delisted:' || d.cluster_id || '@' || strftime(d.run_started_at, '%Y-%m-%dT%H:%M:%S') as alert_key,
        'delisted' as kind,
        d.cluster_id,
        d.country,
        d.name,
        d.old_portfolio as portfolio,
        d.old_website as website,
        d.old_valid_until as label_date,
        label_days_left(d.old_valid_until, p.today) as days_left,
        d.run_started_at as event_at
    from delisted as d
    cross join params as p
)

select * from final
