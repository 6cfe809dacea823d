-- requires: label_status
-- The alerts of the ledger as read on a day. An alert is raised once (alert_log, with the day it was
-- raised: raised_on) and read on many: a digest, the `ecei alerts` table, a feed, a JSON webhook each
-- read it on their own business day, and what it says of its label is counted to that day, by the
-- label's macros (label_status.sql): days_left (negative once lapsed) and renewal_window (open
-- through renewal_closes_on, closed after it, NULL while the label is valid). alert_log.days_left
-- keeps the count on the day it was raised. The notes of ecei/alerts/kinds.py only put these in words.
create or replace macro alerts_on(on_day) as table
select
    * exclude (today) replace (label_days_left(label_date, on_day) as days_left),
    today as raised_on,
    on_day::date as read_on,
    renewal_window(label_date, on_day) as renewal_window
from alert_log;

comment on macro table alerts_on is
    'Every alert of the ledger as read on on_day: days_left counted to it, renewal_window (open, closed, NULL while valid). select * from alerts_on(current_date).';
