-- Leave the connection as the frame found it.
drop view if exists temp.alert_new_changes;
drop view if exists temp.alert_current_labels;
drop table if exists temp.alert_candidates;
drop table if exists temp.alert_params;
