-- A renewal, and how long a lapsed label can still be renewed. The site's rule: a first label is
-- valid two years; it can be renewed up to one year after it lapses (a label is valid through its
-- `valid_until` day and lapses the day after).
--
-- A renewal is a label date that moved later, whatever else changed with it: a cluster renamed in
-- the run that moved its date later is renamed (its change kind, ecei/change_kinds.py) and renewed
-- (this flag), and every count of renewals counts it. A date moved earlier is no renewal (a
-- correction, `valid_until` among the changed fields). Decided here once: the report, `ecei
-- changes`, the release's CHANGES.md, the feeds and the `renewed` alert all read is_renewal.
create or replace macro is_renewal(old_valid_until, new_valid_until) as
    coalesce(new_valid_until::date > old_valid_until::date, false);

-- the last day a lapsed label can be renewed: one year after its date (29 February: 28 February)
create or replace macro renewal_closes_on(valid_until) as
    (valid_until::date + interval 1 year)::date;

comment on macro is_renewal is
    'Whether a label date moving from old_valid_until to new_valid_until is a renewal (it moved later; a rename in the same run too).';
comment on macro renewal_closes_on is
    'The last day a label with this valid_until can still be renewed: one year after it (the site''s rule).';
