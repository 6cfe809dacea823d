-- renewed: a refresh since the previous alerts run renewed a label (warehouse/semantics/renewal.sql:
-- its date moved later, whether the cluster kept its name or was renamed in the same run). Once per
-- renewal: the cluster, the new label date and the refresh that found it.
with params as (
    select * from alert_params
),

new_changes as (
    select * from alert_new_changes
),

renewed as (
    select * from new_changes
    where renewed
),

final as (
    select
        'renewed:' || r.cluster_id || ':' || r.new_valid_until
        || '@' || strftime(r.run_started_at, '%Y-%m-%dT%H:%M:%S') as alert_key,
        'renewed' as kind,
        r.cluster_id,
        r.country,
        r.name,
        r.new_portfolio as portfolio,
        r.new_website as website,
        r.new_valid_until as label_date,
        r.old_valid_until as previous_label_date,
        label_days_left(r.new_valid_until, p.today) as days_left,
        r.run_started_at as event_at
    from renewed as r
    cross join params as p
)

select * from final
