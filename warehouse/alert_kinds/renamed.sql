-- renamed: a refresh since the previous alerts run found a cluster listed under a new name.
-- Once per cluster and new name; `detail` keeps the name it had before.
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
        'renamed:' || r.cluster_id || ':' || r.new_name as alert_key,
        'renamed' as kind,
        r.cluster_id,
        r.country,
        r.new_name as name,
        r.new_portfolio as portfolio,
        r.new_website as website,
        r.new_valid_until as label_date,
        r.new_valid_until - p.today as days_left,
        r.old_name as detail
    from renamed as r
    cross join params as p
)

select * from final
