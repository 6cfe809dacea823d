-- expiring: a listed label inside the ladder, at the tightest rung it has crossed. Once per
-- cluster, label date, rung and episode of the label (the frame drops a looser rung raised after a
-- tighter one in the same episode).
with params as (
    select * from alert_params
),

current_labels as (
    select * from alert_current_labels
),

-- lapsing by label_status (warehouse/semantics/label_status.sql) within the loosest rung: still
-- valid (its last day too), with that many days or fewer left
expiring as (
    select
        c.*,
        label_days_left(c.valid_until, p.today) as days_left,
        list_min(list_filter(p.thresholds, lambda t: t >= label_days_left(c.valid_until, p.today))) as threshold_days
    from current_labels as c
    cross join params as p
    where label_status(c.valid_until, p.today, list_max(p.thresholds)) = 'lapsing'
),

final as (
    select
        'expiring:' || cluster_id || ':' || valid_until || ':' || threshold_days
        || coalesce('@' || strftime(label_since, '%Y-%m-%dT%H:%M:%S'), '') as alert_key,
        'expiring' as kind,
        cluster_id,
        country,
        name,
        portfolio,
        website,
        valid_until as label_date,
        threshold_days,
        days_left,
        label_since as event_at
    from expiring
)

select * from final
