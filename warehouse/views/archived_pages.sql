-- Every answer a run kept in the page archive, with its body's size as fetched and as stored.
create or replace view archived_pages as
select
    f.run_id, r.started_at as run_started_at, a.source, f.seq, f.kind, f.url, f.requested_url,
    f.status, f.content_type, f.fetched_at, f.sha256, b.size, b.compression,
    octet_length(b.body) as stored_size, f.error
from page_fetches as f
join runs as r using (run_id)
left join archive_runs as a using (run_id)
left join page_bodies as b using (sha256);

comment on view archived_pages is
    'Every answer a refresh or a backfill kept: URL, HTTP status, kind, fetch time, size and the body''s hash.';
