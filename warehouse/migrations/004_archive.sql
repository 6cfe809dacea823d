-- The raw page archive: every answer a run fetched, each body stored once per content hash.
-- Written in the same transaction as the run's merge (or, for a failed run, with its settling).

-- one row per archived run: how its crawl ended, which a replay needs to judge it again
create table archive_runs (
    run_id         integer primary key,
    source         varchar not null check (source in ('crawl', 'warc')),
    source_name    varchar,            -- the WARC file(s) a backfilled run came from
    finish_reason  varchar,            -- Scrapy's finish reason ('finished', 'closespider_timeout', ...)
    layout_error   varchar,            -- the layout change that failed the crawl, as it was reported
    crash          varchar             -- why the crawl process died, when it did
);

-- content-addressed bodies: a page that did not change costs no new body
create table page_bodies (
    sha256       varchar primary key,  -- hex SHA-256 of the body as received (uncompressed)
    size         integer not null,     -- bytes as received
    compression  varchar not null check (compression in ('zlib', 'none')),
    body         blob not null
);

create table page_fetches (
    run_id         integer not null,
    seq            integer not null,   -- order of arrival within the run
    url            varchar not null,   -- the URL that answered (after redirects)
    requested_url  varchar not null,   -- the URL asked for
    kind           varchar not null check (kind in ('overview', 'country', 'robots', 'other')),
    status         integer,            -- HTTP status; NULL when no answer came
    content_type   varchar,
    fetched_at     timestamp not null, -- UTC
    sha256         varchar,            -- the body; NULL when no answer came
    error          varchar,            -- why no answer came (timeout, refused, ...)
    primary key (run_id, seq)
);

-- the views over the archive (archived_pages, archive_storage) are in warehouse/views/
