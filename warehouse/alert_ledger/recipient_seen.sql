-- A recipient configured in this alerts run: remembered (its label and when last seen); one the
-- ledger sees for the first time and that hears everything (a channel of ECEI_NOTIFY) is owed every
-- alert still pending, as ECEI_NOTIFY's channels were before the outbox. Run before the insert below.
insert into alert_outbox (alert_id, recipient, owed_since)
select a.alert_id, $recipient, $at
from alert_log as a
where
    $hears_everything
    and not exists (select 1 from alert_recipients where recipient = $recipient)
    and a.delivered_at is null and a.unreached_why is null
on conflict do nothing;

insert into alert_recipients (recipient, label, hears_everything, first_seen_at, last_seen_at)
values ($recipient, $label, $hears_everything, $at, $at)
on conflict (recipient) do update set label = excluded.label, last_seen_at = excluded.last_seen_at;
