-- Every candidate the kinds found (temp table alert_candidates), the ledger aside: a look at the
-- list as it stood at an earlier instant. Ordered as not_raised.sql orders them.
with candidates as (
    select * exclude (event_at) from alert_candidates
),

final as (
    select * from candidates
)

select * from final
order by list_position($kinds::varchar[], kind), label_date, country, name
