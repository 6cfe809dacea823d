-- Where a new alerts run's window starts. The changes: after the crawl runs the latest settled
-- alerts run covered. The lapses: from the day of the latest settled run dated no later than
-- $today; a run dated later (a clock ahead) must not swallow the lapses due before its day.
select
    exists (select 1 from alert_runs where status <> 'running') as any_run,
    (
        select through_run_id from alert_runs
        where status <> 'running'
        order by alert_run_id desc
        limit 1
    ) as through_run_id,
    (
        select max(today) from alert_runs
        where status <> 'running' and today <= $today::date
    ) as lapsed_from
