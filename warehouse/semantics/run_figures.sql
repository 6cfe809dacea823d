-- A run's figures: what one refresh saw of itself and did, one row per run, the figures in the
-- order every surface shows them. This file is their definition in SQL; ecei/run_figures.py
-- declares their names, order and headings (a test holds the two to the same columns in the same
-- order). crawl_runs, the report's run health, replay's, backfill's and the demo's summaries, the
-- Prefect artifact and `ecei status` read them from here.
--
-- The run records what it saw (the columns of `runs`); what it changed is counted here, from its
-- rows of `changes` (cluster_changes), one count per change kind: run_change_count. So the counts
-- and cluster_changes always agree, also after a link decision rewrites a run's changes, and a new
-- change kind (ecei/change_kinds.py, change_of in what_happened.sql) is one line below.
-- A running run has every figure NULL.

-- How many changes of one kind a run made (private: no comment, so `ecei sql --views` does not list
-- it; an analyst reads the view's columns). `counts` is a run's {settled, recorded, counted}:
-- settled, whether its figures were recorded (not while running, nor when abandoned); recorded,
-- the counts stored by a run from before migration 016 whose changes count otherwise (kept as it
-- showed them: NULL for a kind it did not count); counted, its rows of `changes` by kind.
create or replace macro run_change_count(counts, kind) as
    case
        when counts.recorded is not null then map_extract_value(counts.recorded, kind)
        when not counts.settled then null
        else coalesce(map_extract_value(counts.counted, kind), 0)
    end;

create or replace view run_figures as
with by_kind as (
    select run_id, change, count(*)::integer as n
    from changes
    group by run_id, change
),

counted as (
    select run_id, map(list(change), list(n)) as counted
    from by_kind
    group by run_id
),

runs_counted as (
    select
        r.*,
        {
            'settled': r.rows_seen is not null,
            'recorded': r.recorded_change_counts,
            'counted': c.counted
        } as counts
    from runs as r
    left join counted as c using (run_id)
)

select
    run_id,
    pages_fetched,
    pages_failed,
    countries_loaded,
    countries_listed,
    stated_countries,  -- the number of countries the overview page states; NULL when it states none
    rows_seen,
    stated_total,  -- the number of clusters the overview page states; NULL when it states none
    rows_loaded,
    rows_duplicate,  -- exact duplicates of a row earlier on the same page
    rows_rejected,  -- quarantined (rejected_rows)
    websites_invalid,  -- loaded with the website stored NULL
    -- one line per change kind, in ecei/change_kinds.py's order
    run_change_count(counts, 'added') as added,
    run_change_count(counts, 'changed') as changed,
    run_change_count(counts, 'removed') as removed,
    run_change_count(counts, 'renamed') as renamed,
    new_portfolios  -- portfolio categories no earlier version had
from runs_counted;

comment on view run_figures is
    'A run''s figures, one row per run, in the order every summary shows them: pages fetched and failed, countries loaded, listed and stated, rows seen and the stated total, rows loaded, duplicate and rejected, websites unusable, clusters added, changed, removed and renamed (its rows of cluster_changes by kind), new portfolios.';
