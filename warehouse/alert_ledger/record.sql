-- One new alert into the ledger; a key raised meanwhile by another run is skipped, never duplicated.
insert into alert_log (
    alert_key, kind, cluster_id, country, name, portfolio, website, label_date, previous_label_date,
    threshold_days, days_left, renewal_closes_on, detail, today, alert_run_id, created_at
)
values (
    $alert_key, $kind, $cluster_id, $country, $name, $portfolio, $website, $label_date, $previous_label_date,
    $threshold_days, $days_left, $renewal_closes_on, $detail, $today, $alert_run_id, $created_at
)
on conflict (alert_key) do nothing
returning alert_id, created_at
