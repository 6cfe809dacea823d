-- Of the alerts a journalled delivery names, those the ledger holds and has not yet recorded as
-- delivered to its channel: settling a journal twice records nothing twice.
select alert_id
from alert_log as a
where
    alert_id in (select unnest($alert_ids::integer[]))
    and not exists (
        select 1 from alert_deliveries as d
        where d.alert_id = a.alert_id and d.channel = $channel and d.delivered_at is not null
    )
order by alert_id
