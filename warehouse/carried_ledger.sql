-- The alert ledger of the old file (attached as carried_source), copied as it is, ids included,
-- into a fresh file: who was told what, when, on which channel, since when each subscriber listens,
-- and what each recipient is still owed.
insert into alert_runs by name select * from carried_source.alert_runs;

insert into alert_log by name select * from carried_source.alert_log;

insert into alert_deliveries by name select * from carried_source.alert_deliveries;

insert into subscriptions by name select * from carried_source.subscriptions;

insert into alert_recipients by name select * from carried_source.alert_recipients;

insert into alert_outbox by name select * from carried_source.alert_outbox;
