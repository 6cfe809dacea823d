"""Item pipelines: validate every row against the contract, drop exact duplicates, stage the run."""
