-- One attempt to send alerts to one channel: delivered ($delivered_at set) or not ($error says why).
insert into alert_deliveries (alert_id, channel, delivered_at, attempts, last_error)
select distinct unnest($alert_ids::integer[]), $channel, $delivered_at, 1, $error
on conflict (alert_id, channel) do update set
    delivered_at = excluded.delivered_at,
    attempts = alert_deliveries.attempts + 1,
    last_error = excluded.last_error
