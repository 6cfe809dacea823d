-- Every pending alert a channel was offered and did not take, with the last error that channel gave.
select d.alert_id, d.channel, d.attempts, d.last_error
from alert_deliveries as d
join alert_log as a using (alert_id)
where a.delivered_at is null and d.delivered_at is null
order by d.channel, d.alert_id
