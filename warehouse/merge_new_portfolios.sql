-- Portfolios the staged rows name that no version has named before (none on a first run).

select distinct s.portfolio
from stage_rows as s
where
    s.portfolio not in (select v.portfolio from versions as v)
    and exists (select 1 from versions)
order by 1;
