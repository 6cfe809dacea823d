-- lapsed: a listed label lapsed since the previous alerts run (the first run: within the past
-- year, its renewal window still open). Once per cluster, label date and episode of the label.
with params as (
    select * from alert_params
),

current_labels as (
    select * from alert_current_labels
),

lapsed as (
    select c.*, label_days_left(c.valid_until, p.today) as days_left
    from current_labels as c
    cross join params as p
    where label_status(c.valid_until, p.today, 0) = 'lapsed' and c.valid_until >= p.lapsed_from
),

final as (
    select
        'lapsed:' || cluster_id || ':' || valid_until
        || coalesce('@' || strftime(label_since, '%Y-%m-%dT%H:%M:%S'), '') as alert_key,
        'lapsed' as kind,
        cluster_id,
        country,
        name,
        portfolio,
        website,
        valid_until as label_date,
        days_left,
        renewal_closes_on(valid_until) as renewal_closes_on,
        label_since as event_at
    from lapsed
)

select * from final
