-- A quarantined row keeps the identity key of its cluster where the raw row gives one (the page's
-- country id, the raw name): the merge does not close an open version whose key a run rejected,
-- since the row was on the page. Rows quarantined before this migration have no key (NULL).
alter table quarantine add column country_key varchar;
alter table quarantine add column name_key varchar;

create or replace view rejected_rows as
select
    q.run_id, r.started_at as run_started_at, q.page_url, q.row_number, q.raw, q.reason,
    q.country_key, q.name_key
from quarantine as q
join runs as r using (run_id);
