-- How run $run_id ended: its status, when, why, and every figure of warehouse.runs.RunFigures
-- (one parameter per field, named as the field and its column; DuckDB refuses a missing or an
-- extra one, so a figure added to RunFigures and not here fails the first settle).
update runs
set
    status = $status,
    finished_at = $finished_at,
    message = $message,
    pages_fetched = $pages_fetched,
    pages_failed = $pages_failed,
    countries_listed = $countries_listed,
    countries_loaded = $countries_loaded,
    stated_total = $stated_total,
    stated_countries = $stated_countries,
    rows_seen = $rows_seen,
    rows_loaded = $rows_loaded,
    rows_duplicate = $rows_duplicate,
    rows_rejected = $rows_rejected,
    websites_invalid = $websites_invalid,
    new_portfolios = $new_portfolios
where run_id = $run_id;
