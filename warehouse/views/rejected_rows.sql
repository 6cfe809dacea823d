-- The quarantine, with the identity key of the row's cluster where the raw row gives one (NULL for
-- rows quarantined before migration 009).
create or replace view rejected_rows as
select
    q.run_id, r.started_at as run_started_at, q.page_url, q.row_number, q.raw, q.reason,
    q.country_key, q.name_key
from quarantine as q
join runs as r using (run_id);

comment on view rejected_rows is
    'The quarantine: each row a run refused, with the cells as the page showed them and the reason.';
