-- Every candidate the kinds found (temp table alert_candidates), the ledger aside: a look at the
-- list as it stood at an earlier instant. Ordered as not_raised.sql orders them; read on the run's
-- day as not_raised.sql reads them.
with candidates as (
    select
        c.* exclude (event_at),
        p.today as read_on,
        renewal_window(c.label_date, p.today) as renewal_window
    from alert_candidates as c
    cross join alert_params as p
),

final as (
    select * from candidates
)

select * from final
order by list_position($kinds::varchar[], kind), label_date, country, name
