-- Backfill from a Wayback-compatible web archive (ecei/wayback.py): where each run came from, and
-- every capture fetched from the archive, kept as it arrives so that a backfill killed part way
-- fetches only what is missing when run again.

-- archive_runs.source gains 'wayback': DuckDB cannot change a check constraint in place, so the
-- table is rebuilt under its own name (views bind when queried: archived_pages reads the new one)
create table archive_runs_v14 (
    run_id         integer primary key,
    source         varchar not null check (source in ('crawl', 'warc', 'wayback')),
    source_name    varchar,            -- the WARC file(s), or the archive URL of the overview capture
    finish_reason  varchar,
    layout_error   varchar,
    crash          varchar
);

insert into archive_runs_v14 select * from archive_runs;

drop table archive_runs;

alter table archive_runs_v14 rename to archive_runs;

-- one row per capture listed by the archive's index and fetched (or judged unusable); its body, when
-- kept, is in page_bodies. A capture is the archive's (timestamp, original URL) pair. A base table
-- (no comment: not public), copied into a replay's new file with the bodies (warehouse/wayback.py).
create table archive_captures (
    archive_url    varchar primary key, -- <base>/web/<timestamp>id_/<original>: where the raw capture was read
    original       varchar not null,    -- the page's URL as the archive recorded it
    captured_at    timestamp not null,  -- the capture's timestamp (UTC)
    kind           varchar not null check (kind in ('overview', 'country')),
    status         integer,             -- the HTTP status the archive recorded for the capture
    digest         varchar,             -- the archive's content digest (base32 SHA-1)
    sha256         varchar,             -- the body in page_bodies; NULL when it was not kept
    content_type   varchar,             -- the Content-Type the archive answered with
    fetched_at     timestamp not null,  -- when ecei-watch read it (UTC)
    skipped        varchar              -- why the capture cannot make a run (redirect, error page, layout); NULL when usable
);

-- crawl_runs shows where each run came from (source, source_name): warehouse/views/crawl_runs.sql
