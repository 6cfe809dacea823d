-- The latest start among the open versions the classified changes (`outcome`) would close: the
-- run must be observed after it, or a version would end before it began.

select max(v.valid_from)
from versions as v
where v.rowid in (select o.version_row from outcome as o where o.change <> 'added');
