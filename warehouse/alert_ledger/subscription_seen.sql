-- A subscription the ledger has not seen yet is remembered, with the latest alert raised so far:
-- it hears the alerts raised after that one. One seen before keeps its first sighting.
insert into subscriptions (subscription, first_seen_at, after_alert_id)
select $subscription, $at, coalesce(max(alert_id), 0) from alert_log
on conflict (subscription) do nothing
