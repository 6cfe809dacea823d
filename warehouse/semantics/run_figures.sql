-- A run's figures: what one refresh saw of itself and did, one row per run, the figures in the
-- order every surface shows them. This file is their definition in SQL; ecei/run_figures.py
-- declares their names, order and headings (a test holds the two to the same columns in the same
-- order). crawl_runs, the report's run health, replay's, backfill's and the demo's summaries, the
-- Prefect artifact and `ecei status` read them from here.
-- A running run has them all NULL; a run from before migration 003 has `renamed` NULL.
create or replace view run_figures as
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
    added,
    changed,
    removed,
    renamed,
    new_portfolios  -- portfolio categories no earlier version had
from runs;

comment on view run_figures is
    'A run''s figures, one row per run, in the order every summary shows them: pages fetched and failed, countries loaded, listed and stated, rows seen and the stated total, rows loaded, duplicate and rejected, websites unusable, clusters added, changed, removed and renamed, new portfolios.';
