-- Owed is data: the outbox holds one row per alert and recipient it is owed to, written when the
-- alert is raised (or when a recipient is first seen, or asks for its backlog), open until the
-- recipient took it, the alert stopped being true (alert_ledger/no_longer_true.sql), or a person
-- dismissed it (`ecei dismiss`); each closed row says how and why. A recipient is a channel of
-- ECEI_NOTIFY (scheme and a hash of its URL) or a subscription ('subscription:<name>'); every one
-- the ledger has seen is in alert_recipients, configured in the current run or not.
create table alert_recipients (
    recipient         varchar primary key,         -- alert_deliveries.channel's key
    label             varchar not null,            -- how people read it: scheme and server, never the URL
    hears_everything  boolean not null,            -- a channel of ECEI_NOTIFY: owed every alert
    first_seen_at     timestamp not null,          -- UTC
    last_seen_at      timestamp not null           -- UTC: the last alerts run that had it configured
);

create table alert_outbox (
    alert_id     integer not null,
    recipient    varchar not null,
    owed_since   timestamp not null,               -- UTC
    closed_at    timestamp,                        -- NULL while owed
    closed_as    varchar check (closed_as in ('delivered', 'dismissed', 'no longer true', 'not chosen')),
    why          varchar,                          -- closed otherwise than delivered: why, in words
    delivery_id  varchar,                          -- the delivery that took it; while open, one in doubt
    primary key (alert_id, recipient)
);

-- an alert owed to nobody (no recipient wanted it) is recorded as such, never as delivered
alter table alert_log add column unreached_why varchar;

-- the upgrade: every recipient the old ledger knew, and the pending alerts the old rules said each
-- was owed (a channel of ECEI_NOTIFY: every pending alert; a subscription: those raised after it
-- was first seen), so that nobody is forgotten; a subscription's filters close what they do not choose
insert into alert_recipients
select channel, channel, true, min(coalesce(delivered_at, now()::timestamp)), max(coalesce(delivered_at, now()::timestamp))
from alert_deliveries
where channel not like 'subscription:%'
group by channel;

insert into alert_recipients
select 'subscription:' || subscription, subscription, false, first_seen_at, first_seen_at
from subscriptions
on conflict do nothing;

insert into alert_outbox
select
    a.alert_id,
    r.recipient,
    a.created_at,
    d.delivered_at,
    case when d.delivered_at is not null then 'delivered' end,
    null,
    null
from alert_log as a
cross join alert_recipients as r
left join subscriptions as s on r.recipient = 'subscription:' || s.subscription
left join alert_deliveries as d on d.alert_id = a.alert_id and d.channel = r.recipient
where
    a.delivered_at is null
    and (r.hears_everything or a.alert_id > s.after_alert_id or d.delivered_at is not null);
