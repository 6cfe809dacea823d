-- Each alert's own state, derived from its outbox: delivered once nothing is owed any more and
-- some recipient took it; reaching nobody (every row closed otherwise, or none wanted: $unwanted)
-- is recorded as such, never as delivered.
update alert_log as a
set delivered_at = s.last_delivered
from (
    select alert_id, max(closed_at) filter (where closed_as = 'delivered') as last_delivered
    from alert_outbox
    group by alert_id
    having count(*) filter (where closed_at is null) = 0 and count(*) filter (where closed_as = 'delivered') > 0
) as s
where a.alert_id = s.alert_id and a.delivered_at is null;

update alert_log as a
set unreached_why = s.why
from (
    select alert_id, 'owed to nobody any more: ' || string_agg(distinct closed_as || ' (' || why || ')', '; ') as why
    from alert_outbox
    group by alert_id
    having count(*) filter (where closed_at is null) = 0 and count(*) filter (where closed_as = 'delivered') = 0
) as s
where a.alert_id = s.alert_id and a.delivered_at is null and a.unreached_why is null;

update alert_log as a
set unreached_why = 'no recipient wanted it'
where
    a.alert_id in (select unnest($unwanted::integer[]))
    and a.delivered_at is null and a.unreached_why is null
    and not exists (select 1 from alert_outbox as o where o.alert_id = a.alert_id);
