-- What each recipient is owed: its open outbox rows, oldest alert first, with the delivery in
-- doubt for each (sent by a run that died before it recorded the answer), if any.
select o.recipient, o.alert_id, o.delivery_id
from alert_outbox as o
where o.closed_at is null
order by o.recipient, o.alert_id
