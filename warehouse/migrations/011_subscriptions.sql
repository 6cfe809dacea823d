-- Subscriptions (ECEI_SUBSCRIPTIONS): who hears which alerts. The ledger remembers when it first saw
-- each subscription, so one added later starts from the alerts raised after that; its deliveries
-- are rows of alert_deliveries whose `channel` is its key, 'subscription:<name>'. A channel of
-- ECEI_NOTIFY keeps its key (scheme and hash) and hears everything, as before.
create table subscriptions (
    subscription    varchar primary key,           -- its name in the subscriptions file
    first_seen_at   timestamp not null,            -- UTC: the alerts run that first saw it
    after_alert_id  integer not null               -- it hears the alerts raised after this one
);

-- no comment on `subscriptions`: a table with one is public (public_objects.sql), this one is the ledger's own
comment on column alert_deliveries.channel is
    'Who took the alert: a channel of ECEI_NOTIFY (scheme and a hash of its URL) or a subscription (''subscription:<name>'').';
