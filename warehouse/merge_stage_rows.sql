-- Step 0 of a merge: the staged rows of a run (rows.jsonl, typed by pipelines.stage.ROW_COLUMNS)
-- as the temp table `stage_rows`, each with the hash the open versions keep, so that the merge
-- compares one column per row instead of six.

create or replace temp table stage_rows as
select
    *,
    md5(concat_ws(
        chr(31), country, country_id, name, portfolio, coalesce(website, ''), valid_until::varchar
    )) as row_hash
from read_json($path, format = 'newline_delimited', columns = $columns);
