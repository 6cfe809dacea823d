-- Every kept answer of the archive, or those of run $run (NULL for all), in fetch order.

select run_id, source, seq, fetched_at, kind, status, size, stored_size, sha256, url, error
from archived_pages
where $run::integer is null or run_id = $run
order by run_id, seq
