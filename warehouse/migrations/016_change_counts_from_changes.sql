-- A run's change counts are no longer stored a column per kind: they are its rows of `changes`
-- counted by kind (run_change_count, warehouse/semantics/run_figures.sql), so that a new change kind
-- needs no column, no migration and no merge code. Every run already recorded keeps the numbers it
-- shows: where its rows of `changes` count otherwise (a link made, broken or undone after the run
-- rewrote its changes; a warehouse from before migration 003, whose failed runs counted no renames),
-- its stored counts are kept, as they were, in recorded_change_counts (NULL for every other run).
-- The count below is run_change_count's as of this migration: NULL for a run whose figures were never
-- settled (running, or abandoned: rows_seen NULL as every figure), else its rows of each kind.
alter table runs add column recorded_change_counts map(varchar, integer);

update runs
set recorded_change_counts = map {
    'added': runs.added, 'changed': runs.changed, 'removed': runs.removed, 'renamed': runs.renamed
}
from (
    select
        r.run_id,
        case when r.rows_seen is not null then count(c.change) filter (where c.change = 'added')::integer end as added,
        case when r.rows_seen is not null then count(c.change) filter (where c.change = 'changed')::integer end as changed,
        case when r.rows_seen is not null then count(c.change) filter (where c.change = 'removed')::integer end as removed,
        case when r.rows_seen is not null then count(c.change) filter (where c.change = 'renamed')::integer end as renamed
    from runs as r
    left join changes as c using (run_id)
    group by r.run_id, r.rows_seen
) as counted
where
    counted.run_id = runs.run_id
    and (runs.added, runs.changed, runs.removed, runs.renamed)
    is distinct from (counted.added, counted.changed, counted.removed, counted.renamed);

alter table runs drop column added;
alter table runs drop column changed;
alter table runs drop column removed;
alter table runs drop column renamed;
