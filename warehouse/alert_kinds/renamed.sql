-- renamed: a refresh since the previous alerts run found a cluster listed under a new name.
-- Once per rename: the cluster, its new name and the refresh that found it; `detail` keeps the
-- name it had before.
with params as (
    select * from alert_params
),

new_changes as (
    select * from alert_new_changes
),

renamed as (
    select * from new_changes where change = 'renamed'
),

final as (
    select
        'renamed:' || r.cluster_id || ':' || r.new_name
        || '@' || strftime(r.run_started_at, '%Y-%m-%dT%H:%M:%S') as alert_key,
        'renamed' as kind,
        r.cluster_id,
        r.country,
        r.new_name as name,
        r.new_portfolio as portfolio,
        r.new_website as website,
        r.new_valid_until as label_date,
        label_days_left(r.new_valid_until, p.today) as days_left,
        r.old_name as detail,
        r.run_started_at as event_at
    from renamed as r
    cross join params as p
)

select * from final
