-- A person dismissed what a recipient is owed ($alert_ids, or everything when $all): closed, with their why.
update alert_outbox
set closed_at = $at, closed_as = 'dismissed', why = $why
where
    recipient = $recipient
    and closed_at is null
    and ($all or alert_id in (select unnest($alert_ids::integer[])))
returning alert_id
