-- A subscription renamed in the file (`formerly:`): the new name takes over what the old one is
-- owed and has had (outbox and deliveries), its first sighting and its place among the recipients.
update alert_outbox as o
set recipient = $new
where
    o.recipient = $old
    and not exists (select 1 from alert_outbox as n where n.alert_id = o.alert_id and n.recipient = $new);

delete from alert_outbox where recipient = $old;

update alert_deliveries as d
set channel = $new
where
    d.channel = $old
    and not exists (select 1 from alert_deliveries as n where n.alert_id = d.alert_id and n.channel = $new);

delete from alert_deliveries where channel = $old;

insert into subscriptions (subscription, first_seen_at, after_alert_id)
select $new_name, first_seen_at, after_alert_id from subscriptions where subscription = $old_name
on conflict (subscription) do update set
    first_seen_at = least(subscriptions.first_seen_at, excluded.first_seen_at),
    after_alert_id = least(subscriptions.after_alert_id, excluded.after_alert_id);

delete from subscriptions where subscription = $old_name;

delete from alert_recipients where recipient = $old;
