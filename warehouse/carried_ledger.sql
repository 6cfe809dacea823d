-- The alert ledger of the old file (attached as carried_source), copied as it is, ids included,
-- into a fresh file: who was told what, when, on which channel, and since when each subscriber listens.
insert into alert_runs by name select * from carried_source.alert_runs;

insert into alert_log by name select * from carried_source.alert_log;

insert into alert_deliveries by name select * from carried_source.alert_deliveries;

insert into subscriptions by name select * from carried_source.subscriptions;
