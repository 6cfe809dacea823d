-- The one rule of an alert that stopped being true before it was delivered: an `expiring` alert
-- whose label is no longer listed with that date (renewed, or the cluster delisted). Its open
-- outbox rows are closed as 'no longer true', saying what the list holds now.
with listed as (
    select cluster_id, valid_until from versions where valid_to is null
),

untrue as (
    select
        a.alert_id,
        case
            when l.cluster_id is null then 'no longer listed'
            else 'its label now runs to ' || l.valid_until
        end as why
    from alert_log as a
    left join listed as l using (cluster_id)
    where
        a.kind = 'expiring'
        and l.valid_until is distinct from a.label_date
        and exists (select 1 from alert_outbox as o where o.alert_id = a.alert_id and o.closed_at is null)
)

update alert_outbox as o
set closed_at = $at, closed_as = 'no longer true', why = u.why
from untrue as u
where o.alert_id = u.alert_id and o.closed_at is null
