-- What the archive costs: answers kept, distinct bodies, their bytes as fetched and as stored.
create or replace view archive_storage as
select
    (select count(*) from page_fetches) as answers,
    (select count(distinct run_id) from page_fetches) as runs,
    count(*) as bodies,
    coalesce(sum(size), 0) as bytes_fetched,
    coalesce(sum(octet_length(body)), 0) as bytes_stored
from page_bodies;

comment on view archive_storage is
    'What the page archive holds, in one row: answers, runs, distinct bodies, bytes fetched and bytes stored.';
