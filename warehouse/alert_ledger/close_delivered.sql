-- A recipient took these alerts in delivery $delivery_id: owed no more. Closing twice changes nothing.
update alert_outbox
set closed_at = $at, closed_as = 'delivered', why = null, delivery_id = $delivery_id
where
    recipient = $recipient
    and closed_at is null
    and alert_id in (select unnest($alert_ids::integer[]))
