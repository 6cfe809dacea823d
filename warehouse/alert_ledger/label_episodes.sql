-- Each version with the start of its label's episode: the first version of the unbroken run of
-- versions of its cluster (each opened by the run that closed the one before) with the same label
-- date. A cluster delisted and listed again, or a label renewed and then set back, starts another.
create or replace temp view alert_label_episodes as
with ordered as (
    select
        cluster_id,
        valid_from,
        run_from,
        valid_until,
        lag(run_to) over (partition by cluster_id order by valid_from) as previous_run_to,
        lag(valid_until) over (partition by cluster_id order by valid_from) as previous_valid_until
    from versions
),

numbered as (
    select
        *,
        sum(
            case
                when previous_run_to is distinct from run_from or previous_valid_until is distinct from valid_until
                    then 1
                else 0
            end
        ) over (partition by cluster_id order by valid_from rows unbounded preceding) as episode
    from ordered
),

final as (
    select cluster_id, valid_from, min(valid_from) over (partition by cluster_id, episode) as label_since
    from numbered
)

select * from final
