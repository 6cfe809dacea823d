-- What a recipient is owed and its filters (as configured now) no longer choose: closed, saying so.
update alert_outbox
set closed_at = $at, closed_as = 'not chosen', why = $why
where
    recipient = $recipient
    and closed_at is null
    and alert_id in (select unnest($alert_ids::integer[]))
