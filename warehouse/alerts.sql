-- The alerts one alerts run raises: every candidate whose alert_key is not in alert_log yet.
-- The caller fills the temp table `alert_params` (today, thresholds, lapsed_from, changes_after,
-- through_run_id, stale_days) and reads the result.

with params as (
    select * from alert_params
),

current_labels as (
    select cluster_id, country, name, portfolio, website, valid_until
    from versions
    where valid_to is null
),

-- a label inside the ladder: only the tightest rung it has crossed
expiring as (
    select
        c.*,
        c.valid_until - p.today as days_left,
        list_min(list_filter(p.thresholds, lambda t: t >= c.valid_until - p.today)) as threshold_days
    from current_labels as c
    cross join params as p
    where c.valid_until > p.today and c.valid_until - p.today <= list_max(p.thresholds)
),

-- lapsed since the last alerts run (the first run: within the past year, its renewal window open)
lapsed as (
    select c.*, c.valid_until - p.today as days_left
    from current_labels as c
    cross join params as p
    where c.valid_until < p.today and c.valid_until >= p.lapsed_from
),

new_changes as (
    select ch.*
    from changes as ch
    cross join params as p
    where ch.run_id > p.changes_after and ch.run_id <= p.through_run_id
),

renewed as (
    select * from new_changes
    where change = 'changed' and new_valid_until > old_valid_until
),

delisted as (
    select * from new_changes where change = 'removed'
),

last_runs as (
    select
        (select max(run_id) from runs where status = 'ok') as last_ok_run_id,
        (select max(started_at) from runs where status = 'ok') as last_ok_at,
        (select max(run_id) from runs where status <> 'running') as last_run_id
),

watcher as (
    select
        l.last_ok_run_id,
        l.last_ok_at,
        r.run_id as last_run_id,
        r.status as last_status,
        r.started_at as last_started_at,
        r.message as last_message,
        p.today - l.last_ok_at::date as days_since_ok,
        p.stale_days
    from last_runs as l
    cross join params as p
    left join runs as r on r.run_id = l.last_run_id
),

-- one incident per stretch without a complete refresh: keyed by the last complete run
stale as (
    select
        *,
        case
            when last_run_id is null then 'no refresh has run yet'
            when last_status in ('failed', 'partial') then
                'the last refresh (run ' || last_run_id || ', started '
                || strftime(last_started_at, '%Y-%m-%d %H:%M') || ' UTC) was ' || last_status
                || coalesce(': ' || left(last_message, 300), '')
            when last_ok_run_id is null then 'no refresh has completed yet'
            else
                'no complete refresh for ' || days_since_ok || ' days (the last, run '
                || last_ok_run_id || ', started ' || strftime(last_ok_at, '%Y-%m-%d %H:%M') || ' UTC)'
        end as detail
    from watcher
    where
        last_run_id is null
        or last_status in ('failed', 'partial')
        or last_ok_run_id is null
        or days_since_ok >= stale_days
),

candidates as (
    select
        'expiring:' || cluster_id || ':' || valid_until || ':' || threshold_days as alert_key,
        'expiring' as kind, cluster_id, country, name, portfolio, website,
        valid_until as label_date, null::date as previous_label_date, threshold_days,
        days_left, null::date as renewal_closes_on, null as detail
    from expiring

    union all

    select
        'lapsed:' || cluster_id || ':' || valid_until,
        'lapsed', cluster_id, country, name, portfolio, website,
        valid_until, null, null,
        days_left, (valid_until + interval 1 year)::date, null
    from lapsed

    union all

    select
        'renewed:' || cluster_id || ':' || new_valid_until,
        'renewed', cluster_id, country, name, new_portfolio, new_website,
        new_valid_until, old_valid_until, null,
        new_valid_until - (select today from params), null, null
    from renewed

    union all

    select
        'delisted:' || cluster_id || ':' || old_valid_until,
        'delisted', cluster_id, country, name, old_portfolio, old_website,
        old_valid_until, null, null,
        old_valid_until - (select today from params), null, null
    from delisted

    union all

    select
        'stale:watcher:' || coalesce(last_ok_run_id, 0),
        'stale', null, null, null, null, null,
        null, null, null,
        null, null, detail
    from stale
),

final as (
    select c.*
    from candidates as c
    where
        not exists (select 1 from alert_log as a where a.alert_key = c.alert_key)
        -- a tighter rung already raised for this label: a looser one is never sent after it
        and not exists (
            select 1 from alert_log as a
            where
                c.kind = 'expiring' and a.kind = 'expiring'
                and a.cluster_id = c.cluster_id and a.label_date = c.label_date
                and a.threshold_days <= c.threshold_days
        )
)

select * from final
order by
    case kind when 'stale' then 0 when 'expiring' then 1 when 'lapsed' then 2 when 'renewed' then 3 else 4 end,
    label_date, country, name
