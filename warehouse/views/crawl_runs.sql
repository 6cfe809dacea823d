-- One row per refresh, and where each run came from: a live crawl, WARC file(s), or an archive capture.
create or replace view crawl_runs as
select
    r.run_id, r.started_at, r.finished_at, r.status, r.start_url,
    r.pages_fetched, r.pages_failed, r.countries_listed, r.countries_loaded,
    r.rows_seen, r.rows_loaded, r.rows_duplicate, r.rows_rejected, r.websites_invalid,
    r.stated_total, r.stated_countries, r.added, r.changed, r.removed, r.new_portfolios, r.message, r.renamed,
    coalesce(a.source, 'crawl') as source, a.source_name
from runs as r
left join archive_runs as a using (run_id);

comment on view crawl_runs is
    'One row per refresh: when, how it ended, pages and rows seen, what it added, changed, removed and renamed, and where it came from (source: crawl, warc or wayback; source_name: the WARC files or the archive capture URL).';
