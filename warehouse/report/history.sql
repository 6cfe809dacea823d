-- Every version of the clusters in $cluster_ids, oldest first, with what each one changed (a label
-- date moved later: `renewed`, by is_renewal, warehouse/semantics/renewal.sql; another name key:
-- `renamed`, by is_rename, rename.sql), and its label's
-- status on the day $today (label_status; NULL without a day). A version that opens after a gap (the
-- cluster was delisted, then listed again) is `relisted` and nothing else: what_happened.sql calls
-- that run's change an addition, not a renewal or a rename, and so does every surface.
with versions as (
    select h.*, v.name_key
    from cluster_history as h
    join versions as v on v.cluster_id = h.cluster_id and v.valid_from = h.valid_from
    where list_contains($cluster_ids, h.cluster_id)
),

-- where the run that opened each version read the list: a live crawl, a WARC file, a web archive
sources as (
    select run_id as run_id_from, source as source_from from archive_runs
),

compared as (
    select
        versions.*,
        coalesce(sources.source_from, 'crawl') as source_from,
        row_number() over w as version,
        lag(valid_to) over w as prev_valid_to,
        lag(name) over w as prev_name,
        lag(name_key) over w as prev_name_key,
        lag(portfolio) over w as prev_portfolio,
        lag(website) over w as prev_website,
        lag(valid_until) over w as prev_valid_until,
        lag(country) over w as prev_country
    from versions
    left join sources using (run_id_from)
    window w as (partition by cluster_id order by valid_from)
),

final as (
    select
        cluster_id,
        version,
        country,
        country_id,
        name,
        portfolio,
        website,
        valid_until,
        valid_from,
        valid_to,
        is_current,
        run_id_from,
        run_id_to,
        source_from,
        prev_name,
        prev_portfolio,
        prev_website,
        prev_valid_until,
        prev_country,
        case when $today::date is not null then label_status(valid_until, $today::date, 0) end as label_status,
        case when version = 1 then ['listed'] when prev_valid_to < valid_from then ['relisted'] else list_filter(
            [
                -- a rename (rename.sql: another name key), or the same name written otherwise
                case
                    when is_rename(prev_name_key, name_key) then 'renamed'
                    when name is distinct from prev_name then 'name'
                end,
                case when portfolio is distinct from prev_portfolio then 'portfolio' end,
                case when website is distinct from prev_website then 'website' end,
                case
                    when is_renewal(prev_valid_until, valid_until) then 'renewed'
                    when valid_until is distinct from prev_valid_until then 'valid_until'
                end,
                case when country is distinct from prev_country then 'country' end
            ],
            lambda x: x is not null
        ) end as what_changed
    from compared
)

select * from final
order by cluster_id, version;
