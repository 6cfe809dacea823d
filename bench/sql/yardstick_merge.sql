-- The yardstick's hand-written type-2 merge of the temp table `stage` into `hist`, at the time held
-- by the temp table `merge_now`: close the versions that changed or vanished, open the new ones.
create or replace temp table cur as
select country_id, name, row_hash
from hist
where valid_to is null;

create or replace temp table chg as
select s.country_id, s.name
from stage as s
join cur as c using (country_id, name)
where s.row_hash <> c.row_hash;

update hist
set valid_to = (select now from merge_now)
where
    valid_to is null
    and (
        (country_id, name) in (select (country_id, name) from chg)
        or not exists (select 1 from stage as s where s.country_id = hist.country_id and s.name = hist.name)
    );

insert into hist
select s.country_id, s.name, s.portfolio, s.website, s.valid_until, s.row_hash, (select now from merge_now), null
from stage as s
where not exists (
    select 1 from hist as h where h.valid_to is null and h.country_id = s.country_id and h.name = s.name
);
