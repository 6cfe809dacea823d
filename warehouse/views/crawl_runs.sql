-- One row per refresh, and where each run came from: a live crawl, WARC file(s), or an archive capture.
-- Its figures are the run_figures view's, all of them in their order (warehouse/semantics/run_figures.sql).
-- requires: run_figures
create or replace view crawl_runs as
select
    r.run_id, r.started_at, r.finished_at, r.status, r.start_url,
    f.* exclude (run_id),
    r.message,
    coalesce(a.source, 'crawl') as source, a.source_name
from runs as r
join run_figures as f using (run_id)
left join archive_runs as a using (run_id);

comment on view crawl_runs is
    'One row per refresh: when, how it ended, its figures (pages, countries and rows seen, what it added, changed, removed and renamed: those of run_figures, in their order), why it was partial or failed, and where it came from (source: crawl, warc or wayback; source_name: the WARC files or the archive capture URL).';
