-- What each run changed, as the merge recorded it.
create or replace view cluster_changes as
select
    c.run_id, r.started_at as changed_at, c.change, c.cluster_id, c.country, c.country_id, c.name,
    c.changed_columns, c.old_name, c.new_name, c.old_portfolio, c.new_portfolio,
    c.old_website, c.new_website, c.old_valid_until, c.new_valid_until
from changes as c
join runs as r using (run_id);

comment on view cluster_changes is
    'What each run changed: one row per added, changed, removed or renamed cluster, with before and after values.';
