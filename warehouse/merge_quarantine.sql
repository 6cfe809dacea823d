-- The run's quarantined rows, kept with the run that met them.

insert into quarantine
select
    p.run_id,
    r.page_url,
    r.row_number,
    r.raw,
    r.reason
from stage_rejected as r
cross join params as p;
