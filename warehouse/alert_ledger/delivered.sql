-- Alerts now delivered to every channel of this run stop being pending.
update alert_log
set delivered_at = $at
where
    delivered_at is null
    and alert_id in (
        select alert_id
        from alert_deliveries
        where
            delivered_at is not null
            and channel in (select unnest($channels::varchar[]))
            and alert_id in (select unnest($alert_ids::integer[]))
        group by alert_id
        having count(*) = $channel_count
    )
returning alert_id
