"""A cluster's history: its versions, what changed, identity across renames, names, how the watcher stands."""
