-- A release's full history: every version as cluster_history holds it.
with final as (
    select * from cluster_history
)

select * from final
