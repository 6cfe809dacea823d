-- Step 0 of a merge: the quarantine of a run (rejected.jsonl, typed by
-- pipelines.stage.REJECTED_COLUMNS) as the temp table `stage_rejected`.

create or replace temp table stage_rejected as
select *
from read_json($path, format = 'newline_delimited', columns = $columns);
