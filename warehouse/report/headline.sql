-- The report's headline figures: the list as it stood at the instant $at, its labels judged on the
-- date $today by label_status (warehouse/semantics/label_status.sql); `lapsing_90_days` counts the
-- lapsing ones ($lapsing_days days or fewer left; a name older than the parameter).
with listed as (
    select * from labels_on($at::timestamp, $today::date, $lapsing_days::integer)
),

final as (
    select
        count(*) as clusters_listed,
        count(*) filter (where status <> 'lapsed') as labels_valid,
        count(*) filter (where status = 'lapsing') as lapsing_90_days,
        count(*) filter (where status = 'lapsed') as labels_lapsed,
        count(distinct country) as countries
    from listed
)

select * from final;
