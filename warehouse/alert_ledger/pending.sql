-- The alerts still pending: owed to some recipient (an open outbox row), or raised while the ledger
-- knew no recipient at all and waiting for the first channel of ECEI_NOTIFY.
select a.alert_id
from alert_log as a
where
    exists (select 1 from alert_outbox as o where o.alert_id = a.alert_id and o.closed_at is null)
    or (
        a.delivered_at is null and a.unreached_why is null
        and not exists (select 1 from alert_outbox as o where o.alert_id = a.alert_id)
    )
order by a.alert_id
