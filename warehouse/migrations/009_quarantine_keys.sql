-- A quarantined row keeps the identity key of its cluster where the raw row gives one (the page's
-- country id, the raw name): the merge does not close an open version whose key a run rejected,
-- since the row was on the page. Rows quarantined before this migration have no key (NULL).
alter table quarantine add column country_key varchar;
alter table quarantine add column name_key varchar;

-- rejected_rows shows the two keys: warehouse/views/rejected_rows.sql
