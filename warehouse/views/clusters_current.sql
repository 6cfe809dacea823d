-- requires: cluster_history, label_status
-- What the site lists now, with the label's days left as of today.
create or replace view clusters_current as
select
    cluster_id, country, country_id, name, portfolio, website, valid_until,
    first_seen_at, valid_from,
    label_status(valid_until, current_date, 0) = 'lapsed' as label_lapsed,
    label_days_left(valid_until, current_date) as label_days_left
from cluster_history
where valid_to is null;

comment on view clusters_current is
    'What the site lists now: one row per cluster, its current version, and the label''s days left as of today.';
