-- The run a merge writes, as the one-row temp table `params` its other statements read.

create or replace temp table params as
select
    $run_id::integer as run_id,
    $observed_at::timestamp as observed_at,
    $complete::boolean as complete;
