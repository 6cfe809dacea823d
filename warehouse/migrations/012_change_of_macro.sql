-- The change between a cluster's version before and its version after (either may be missing),
-- written once for every query that derives a change from two versions (changes_from_versions.sql,
-- report/changes_between.sql): none before is `added`, none after `removed`, another name key
-- `renamed`, else `changed`. The kinds' names are ecei/change_kinds.py's.

-- the macro is a definition now: warehouse/semantics/what_happened.sql
