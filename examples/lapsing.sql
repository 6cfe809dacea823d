-- Labels lapsing within 90 days of the latest refresh, soonest first (an example for `ecei sql -f`).
with latest as (
    select max(started_at)::date as day from crawl_runs
)

select c.country, c.name, c.valid_until, c.valid_until - latest.day as days_left
from clusters_current as c
cross join latest
where c.valid_until between latest.day and latest.day + 90
order by c.valid_until, c.name;
