-- What one alerts run covers (warehouse.alerts.Window), as the temp table every kind's query reads.
create or replace temp table alert_params as
select
    $today::date as today,
    $thresholds::integer[] as thresholds,
    $lapsed_from::date as lapsed_from,
    $changes_after::integer as changes_after,
    $through_run_id::integer as through_run_id,
    $stale_days::integer as stale_days,
    $as_of::timestamp as as_of
