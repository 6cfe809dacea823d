-- The yardstick's stage: the rows it parsed, from the TSV file named by the variable stage_path,
-- each with the hash of the values a version compares.
create or replace temp table stage as
select *, md5(concat_ws(chr(31), portfolio, coalesce(website, ''), valid_until::varchar)) as row_hash
from read_csv(
    getvariable('stage_path'),
    header = false,
    delim = '\t',
    quote = '"',
    columns = {
        'country_id': 'VARCHAR',
        'name': 'VARCHAR',
        'portfolio': 'VARCHAR',
        'website': 'VARCHAR',
        'valid_until': 'DATE'
    },
    dateformat = '%Y/%m/%d',
    nullstr = ''
);
