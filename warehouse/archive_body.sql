-- The kept body of a URL: the latest fetch that answered it (or the one of run $run), a final
-- slash ignored. Parameters: $url, $run (NULL for the latest run).
select f.run_id, f.status, b.compression, b.body
from page_fetches as f
join page_bodies as b using (sha256)
where
    (rtrim(f.url, '/') = rtrim($url, '/') or rtrim(f.requested_url, '/') = rtrim($url, '/'))
    and ($run::integer is null or f.run_id = $run)
order by f.run_id desc, f.seq desc
limit 1
