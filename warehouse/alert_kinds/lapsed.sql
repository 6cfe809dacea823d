-- lapsed: a listed label lapsed since the previous alerts run (the first run: within the past
-- year, its renewal window still open). Once per cluster and label date.
with params as (
    select * from alert_params
),

current_labels as (
    select * from alert_current_labels
),

lapsed as (
    select c.*, c.valid_until - p.today as days_left
    from current_labels as c
    cross join params as p
    where c.valid_until < p.today and c.valid_until >= p.lapsed_from
),

final as (
    select
        'lapsed:' || cluster_id || ':' || valid_until as alert_key,
        'lapsed' as kind,
        cluster_id,
        country,
        name,
        portfolio,
        website,
        valid_until as label_date,
        days_left,
        (valid_until + interval 1 year)::date as renewal_closes_on
    from lapsed
)

select * from final
