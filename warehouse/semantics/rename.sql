-- A rename: the same cluster (its cluster_id follows the identity's confirmed links,
-- warehouse/identity.py) listed under a name that the identity compares as another name, its name
-- key (pipelines/keys.py). A name written otherwise under the same key (case, spaces, accents) is no
-- rename but a change of the field `name`. A renamed cluster may change other fields in the same
-- run; when its label date moved later it is renewed too (renewal.sql).
create or replace macro is_rename(old_name_key, new_name_key) as
    coalesce(old_name_key <> new_name_key, false);

comment on macro is_rename is
    'Whether a cluster listed before under old_name_key and after under new_name_key was renamed (the keys differ).';
