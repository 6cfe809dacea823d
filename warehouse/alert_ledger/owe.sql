-- Alerts now owed to recipients ($rows: one struct {alert_id, recipient} each); a row already
-- there (owed, delivered or closed) stays as it is: nothing is owed twice.
insert into alert_outbox (alert_id, recipient, owed_since)
select r.alert_id, r.recipient, $at
from (select unnest($rows) as r)
on conflict do nothing
