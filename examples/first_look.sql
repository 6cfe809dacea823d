-- A first look at the warehouse, three statements run in order (an example for `ecei sql -f`):
-- the last run, the clusters by country, and the labels that lapse soonest.
select run_id, started_at, status, added, changed, removed from crawl_runs order by run_id desc limit 1;

select country, count(*) as clusters from clusters_current group by all order by country;

select name, country, valid_until from clusters_current order by valid_until, name limit 3;
