-- requires: renewal, clusters_as_of
-- A label's status on a day. A label is valid through its `valid_until` day (0 days left on it)
-- and lapsed from the day after. On the day `on_day`:
--   valid    more than `lapsing_days` days left;
--   lapsing  still valid, with `lapsing_days` days or fewer left (the report's 90 days, an alert's rung);
--   lapsed   its date has passed; its renewal window (renewal.sql) is then `open` through
--            renewal_closes_on, `closed` after it (NULL while the label is valid).
-- `ecei report`, `ecei alerts`, the release's current list and clusters_current judge labels with
-- these macros; the `on_day` is the business day each is judged on (`--today`), never a clock.
create or replace macro label_days_left(valid_until, on_day) as
    datediff('day', on_day::date, valid_until::date);

create or replace macro label_status(valid_until, on_day, lapsing_days) as
    case
        when valid_until::date < on_day::date then 'lapsed'
        when label_days_left(valid_until, on_day) <= lapsing_days then 'lapsing'
        else 'valid'
    end;

create or replace macro renewal_window(valid_until, on_day) as
    case
        when valid_until is null or valid_until::date >= on_day::date then null  -- no label: no window
        when on_day::date <= renewal_closes_on(valid_until) then 'open'
        else 'closed'
    end;

-- every cluster listed at the instant `at`, its label judged on `on_day`
create or replace macro labels_on(listed_at, on_day, lapsing_days) as table
select
    cluster_id, country, country_id, name, portfolio, website, valid_until, first_seen_at, valid_from,
    label_days_left(valid_until, on_day) as days_left,
    label_status(valid_until, on_day, lapsing_days) as status,
    renewal_closes_on(valid_until) as renewal_closes_on,
    renewal_window(valid_until, on_day) as renewal_window
from clusters_as_of(listed_at);

comment on macro label_days_left is
    'Days from on_day to a label''s valid_until: 0 on its last valid day, negative once lapsed.';
comment on macro label_status is
    'A label''s status on on_day: valid, lapsing (lapsing_days days or fewer left) or lapsed.';
comment on macro renewal_window is
    'A lapsed label''s renewal window on on_day: open (through renewal_closes_on) or closed; NULL while valid.';
comment on macro table labels_on is
    'The clusters listed at the instant listed_at, labels judged on on_day: days_left, status, renewal window. select * from labels_on(now(), current_date, 90).';
