-- Leave the connection as the frame found it.
drop view if exists temp.alert_new_changes;
drop view if exists temp.alert_current_labels;
drop view if exists temp.alert_label_episodes;
drop table if exists temp.alert_candidates;
drop table if exists temp.alert_params;
