-- A delivery sent and never answered (the run died first): the alerts stay owed, and the next
-- run sends them again under the same delivery id, so that a receiver can drop a second copy.
update alert_outbox
set delivery_id = $delivery_id
where
    recipient = $recipient
    and closed_at is null
    and alert_id in (select unnest($alert_ids::integer[]))
