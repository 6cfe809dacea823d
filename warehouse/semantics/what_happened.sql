-- The change between a cluster's version before and its version after (either may be missing),
-- written once for every query that derives a change from two versions (changes_from_versions.sql,
-- report/changes_between.sql): none before is `added`, none after `removed`, another name key
-- `renamed`, else `changed`. The kinds' names are ecei/change_kinds.py's.
create or replace macro change_of(before_id, after_id, before_name_key, after_name_key) as
    case
        when before_id is null then 'added'
        when after_id is null then 'removed'
        when before_name_key <> after_name_key then 'renamed'
        else 'changed'
    end;
