-- The public interface described where SQL users look: duckdb_views().comment, duckdb_tables().comment
-- and duckdb_functions().comment, and `ecei sql --views` (warehouse/public_objects.sql), which lists
-- every view and each table or table macro that has a comment. The base tables behind the views get
-- none: a comment is what makes a table public. `create or replace` drops an object's comment: a
-- later migration that replaces one of these repeats its comment.

comment on view clusters_current is
    'What the site lists now: one row per cluster, its current version, and the label''s days left as of today.';
comment on view cluster_history is
    'Every version of every cluster: valid_from, valid_to (NULL while current) and the runs that opened and closed it.';
comment on view crawl_runs is
    'One row per refresh: when, how it ended, pages and rows seen, and what it added, changed, removed and renamed.';
comment on view rejected_rows is
    'The quarantine: each row a run refused, with the cells as the page showed them and the reason.';
comment on view cluster_changes is
    'What each run changed: one row per added, changed, removed or renamed cluster, with before and after values.';
comment on macro table clusters_as_of is
    'The list as it stood at ts (UTC), as far as ecei-watch had observed: select * from clusters_as_of(''2021-01-01'').';
comment on table cluster_links is
    'Every rename decision, automatic or by a person, oldest first, with its evidence and score.';
comment on view cluster_link_decisions is
    'The rename decision in force for each (country, old name, new name): the latest row of cluster_links.';
comment on table alert_log is
    'Every alert ever raised (the ledger): kind, cluster, label date, and when it was delivered (NULL while pending).';
comment on table alert_runs is
    'One row per alerts run: the day it judged, its thresholds, and how many alerts it raised and delivered.';
comment on table alert_deliveries is
    'One row per alert and channel: when the channel took it, the attempts and the last error (without secrets).';
comment on view archived_pages is
    'Every answer a refresh or a backfill kept: URL, HTTP status, kind, fetch time, size and the body''s hash.';
comment on view archive_storage is
    'What the page archive holds, in one row: answers, runs, distinct bodies, bytes fetched and bytes stored.';
