-- The run's quarantined rows, kept with the run that met them.

insert into quarantine (run_id, page_url, row_number, raw, reason, country_key, name_key)
select
    p.run_id,
    r.page_url,
    r.row_number,
    r.raw,
    r.reason,
    r.country_key,
    r.name_key
from stage_rejected as r
cross join params as p;
