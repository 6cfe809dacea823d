-- The public interface described where SQL users look: duckdb_views().comment, duckdb_tables().comment
-- and duckdb_functions().comment, and `ecei sql --views` (warehouse/public_objects.sql), which lists
-- every view and each table or table macro that has a comment. The base tables behind the views get
-- none: a comment is what makes a table public. The views and macros carry their comments in their own
-- files (warehouse/views/, warehouse/semantics/): `create or replace` drops an object's comment.

comment on table cluster_links is
    'Every rename decision, automatic or by a person, oldest first, with its evidence and score.';
comment on table alert_log is
    'Every alert ever raised (the ledger): kind, cluster, label date, and when it was delivered (NULL while pending).';
comment on table alert_runs is
    'One row per alerts run: the day it judged, its thresholds, and how many alerts it raised and delivered.';
comment on table alert_deliveries is
    'One row per alert and channel: when the channel took it, the attempts and the last error (without secrets).';
