-- Every recipient the ledger knows, with what it is owed and, of that, what it was offered and did
-- not take (its last error).
with owed as (
    select o.recipient, o.alert_id, d.delivered_at is null and d.attempts > 0 as failed, d.last_error
    from alert_outbox as o
    left join alert_deliveries as d on d.alert_id = o.alert_id and d.channel = o.recipient
    where o.closed_at is null
),

final as (
    select
        r.recipient,
        r.label,
        r.hears_everything,
        count(w.alert_id) as owed,
        count(w.alert_id) filter (where w.failed) as failed,
        max(w.last_error) as last_error
    from alert_recipients as r
    left join owed as w using (recipient)
    group by all
)

select * from final
order by recipient
