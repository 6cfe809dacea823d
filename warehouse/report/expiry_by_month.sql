-- Labels of the clusters listed at the instant $at that lapse in the $months months from the month of
-- $today, per month and portfolio (only the months and portfolios that have any): still valid on
-- $today by label_status, and lapsing before the window's end.
with listed as (
    select * from labels_on($at::timestamp, $today::date, 0)
),

window_bounds as (
    select
        $today::date as first_day,
        (date_trunc('month', $today::date) + to_months($months::integer))::date as end_day
),

final as (
    select
        strftime(c.valid_until, '%Y-%m') as month,
        c.portfolio,
        count(*) as labels
    from listed as c
    cross join window_bounds as w
    where c.status <> 'lapsed' and c.valid_until < w.end_day
    group by all
)

select * from final
order by month, portfolio;
