-- requires: rename, renewal, clusters_as_of
-- What happened to a cluster between two points in time, decided here once for every surface:
-- `ecei changes` (terminal, CSV, JSON, HTML), the release's CHANGES.md, the report, the feeds, the
-- alerts, the refresh's Prefect artifact. The kinds' names, order and headings are
-- ecei/change_kinds.py's; which kind a cluster's change is, which fields changed, whether it was
-- renewed and the words that say so are this file's.
--
--   change_of        the kind: none before is `added`, none after `removed`, another name key
--                    `renamed` (rename.sql), else `changed`. The merge records it (merge_outcome.sql,
--                    changes_from_versions.sql) and what_happened derives it again between any two points.
--   change_fields    the fields that differ, in the order every surface lists them (cluster_fields).
--   change_account   the words, as parts a surface renders its own way (escaping, arrows, one field a
--                    line): (part, text) with part one of text, field, value, old, arrow, new, break.
--   what_happened    the net difference between the list at one instant and the list at another.
--   what_happened_in_runs  each run's own changes, as the merge recorded them, in the same columns.
-- Both table macros give `renewed` (renewal.sql: a renamed cluster whose date moved later is
-- renamed and renewed) and `account`.

create or replace macro change_of(before_id, after_id, before_name_key, after_name_key) as
    case
        when before_id is null then 'added'
        when after_id is null then 'removed'
        when is_rename(before_name_key, after_name_key) then 'renamed'
        else 'changed'
    end;

create or replace macro cluster_fields() as
    ['name', 'country', 'country_id', 'portfolio', 'website', 'valid_until'];

create or replace macro change_fields(
    old_name, new_name, old_country, new_country, old_country_id, new_country_id,
    old_portfolio, new_portfolio, old_website, new_website, old_valid_until, new_valid_until
) as
    list_filter(
        [
            case when old_name is distinct from new_name then 'name' end,
            case when old_country is distinct from new_country then 'country' end,
            case when old_country_id is distinct from new_country_id then 'country_id' end,
            case when old_portfolio is distinct from new_portfolio then 'portfolio' end,
            case when old_website is distinct from new_website then 'website' end,
            case when old_valid_until is distinct from new_valid_until then 'valid_until' end
        ],
        lambda f: f is not null
    );

-- a cluster's fields as text, by name, for change_account (`old` and `new` sides)
create or replace macro cluster_values(name, country, country_id, portfolio, website, valid_until) as
    map(
        cluster_fields(),
        [name, country, country_id, portfolio, website, valid_until::varchar]
    );

create or replace macro change_account(change, renewed, fields, old, new) as
    case change
        when 'added' then [
            {'part': 'text', 'text': 'listed: '},
            {'part': 'value', 'text': map_extract_value(new, 'portfolio')},
            {'part': 'text', 'text': ', label valid until '},
            {'part': 'value', 'text': map_extract_value(new, 'valid_until')}
        ]
        when 'removed' then [
            {'part': 'text', 'text': 'no longer listed (was '},
            {'part': 'value', 'text': map_extract_value(old, 'portfolio')},
            {'part': 'text', 'text': ', label valid until '},
            {'part': 'value', 'text': map_extract_value(old, 'valid_until')},
            {'part': 'text', 'text': ')'}
        ]
        else flatten(list_transform(fields, lambda f, i: list_filter(
            [
                case when i > 1 then {'part': 'break', 'text': NULL::varchar} end,
                {'part': 'field', 'text': f},
                {'part': 'text', 'text': ': '},
                {'part': 'old', 'text': map_extract_value(old, f)},
                {'part': 'text', 'text': ' '},
                {'part': 'arrow', 'text': NULL::varchar},
                {'part': 'text', 'text': ' '},
                {'part': 'new', 'text': map_extract_value(new, f)},
                case when f = 'valid_until' and renewed then {'part': 'text', 'text': ' (renewed)'} end
            ],
            lambda p: p is not null
        )))
    end;

create or replace macro what_happened(since_at, until_at) as table
with before_list as (
    select l.*, v.name_key
    from clusters_as_of(since_at::timestamp) as l
    join versions as v using (cluster_id, valid_from)
),

after_list as (
    select l.*, v.name_key
    from clusters_as_of(until_at::timestamp) as l
    join versions as v using (cluster_id, valid_from)
),

paired as (
    select
        coalesce(a.cluster_id, b.cluster_id) as cluster_id,
        change_of(b.cluster_id, a.cluster_id, b.name_key, a.name_key) as change,
        coalesce(a.country, b.country) as country,
        coalesce(a.country_id, b.country_id) as country_id,
        coalesce(a.name, b.name) as name,
        -- the start of the run that opened the version listed after, or for a removed cluster closed it
        coalesce(a.valid_from, b.valid_to) as changed_at,
        b.name as old_name, a.name as new_name,
        b.country as old_country, a.country as new_country,
        b.country_id as old_country_id, a.country_id as new_country_id,
        b.portfolio as old_portfolio, a.portfolio as new_portfolio,
        b.website as old_website, a.website as new_website,
        b.valid_until as old_valid_until, a.valid_until as new_valid_until
    from before_list as b
    full outer join after_list as a on a.cluster_id = b.cluster_id
),

compared as (
    select
        *,
        is_renewal(old_valid_until, new_valid_until) as renewed,
        case when change in ('added', 'removed') then [] else change_fields(
            old_name, new_name, old_country, new_country, old_country_id, new_country_id,
            old_portfolio, new_portfolio, old_website, new_website, old_valid_until, new_valid_until
        ) end as changed_fields
    from paired
)

select
    change, renewed, cluster_id, country, country_id, name, changed_fields, changed_at,
    old_name, new_name, old_country, new_country, old_country_id, new_country_id,
    old_portfolio, new_portfolio, old_website, new_website, old_valid_until, new_valid_until,
    change_account(
        change, renewed, changed_fields,
        cluster_values(old_name, old_country, old_country_id, old_portfolio, old_website, old_valid_until),
        cluster_values(new_name, new_country, new_country_id, new_portfolio, new_website, new_valid_until)
    ) as account
from compared
-- a version closed and another opened with the same fields (a partial run's gap) is no change
where change in ('added', 'removed') or len(changed_fields) > 0;

create or replace macro what_happened_in_runs(first_run_id, last_run_id) as table
with run_changes as (
    select c.*, r.started_at as changed_at
    from changes as c
    join runs as r using (run_id)
    where c.run_id between first_run_id and last_run_id
),

-- the version each change closed: its country before (the merge keeps the name, portfolio, website
-- and label date before in the change itself)
closed as (
    select cluster_id, run_to as run_id, arg_max(country, valid_from) as old_country,
        arg_max(country_id, valid_from) as old_country_id
    from versions
    where run_to between first_run_id and last_run_id
    group by all
),

paired as (
    select
        c.run_id, c.changed_at, c.change, c.cluster_id, c.country, c.country_id, c.name,
        c.old_name, c.new_name,
        case when c.change <> 'added' then coalesce(o.old_country, c.country) end as old_country,
        case when c.change <> 'removed' then c.country end as new_country,
        case when c.change <> 'added' then coalesce(o.old_country_id, c.country_id) end as old_country_id,
        case when c.change <> 'removed' then c.country_id end as new_country_id,
        c.old_portfolio, c.new_portfolio, c.old_website, c.new_website, c.old_valid_until, c.new_valid_until,
        is_renewal(c.old_valid_until, c.new_valid_until) as renewed,
        -- in the order every surface lists them, whichever order the merge of the time stored
        list_filter(cluster_fields(), lambda f: list_contains(coalesce(c.changed_columns, []), f)) as changed_fields
    from run_changes as c
    left join closed as o using (cluster_id, run_id)
)

select
    run_id, change, renewed, cluster_id, country, country_id, name, changed_fields, changed_at,
    old_name, new_name, old_country, new_country, old_country_id, new_country_id,
    old_portfolio, new_portfolio, old_website, new_website, old_valid_until, new_valid_until,
    change_account(
        change, renewed, changed_fields,
        cluster_values(old_name, old_country, old_country_id, old_portfolio, old_website, old_valid_until),
        cluster_values(new_name, new_country, new_country_id, new_portfolio, new_website, new_valid_until)
    ) as account
from paired;

comment on macro change_of is
    'The kind of a cluster''s change from a version before to one after (ids, name keys): added, removed, renamed or changed.';
comment on macro table what_happened is
    'What happened to each cluster between the list at since_at and the list at until_at: kind, renewed, fields before and after, in words.';
comment on macro table what_happened_in_runs is
    'Each change runs first_run_id..last_run_id recorded: kind, renewed, fields before and after, in words (as what_happened).';
