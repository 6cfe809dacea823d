-- requires: renewal
-- What each run changed, as the merge recorded it; `renewed` by the one rule of renewal.sql (a renamed
-- cluster whose label date moved later is renewed too).
create or replace view cluster_changes as
select
    c.run_id, r.started_at as changed_at, c.change, c.cluster_id, c.country, c.country_id, c.name,
    c.changed_columns, c.old_name, c.new_name, c.old_portfolio, c.new_portfolio,
    c.old_website, c.new_website, c.old_valid_until, c.new_valid_until,
    is_renewal(c.old_valid_until, c.new_valid_until) as renewed
from changes as c
join runs as r using (run_id);

comment on view cluster_changes is
    'What each run changed: one row per added, changed, removed or renamed cluster, with before and after values, and whether its label was renewed.';
