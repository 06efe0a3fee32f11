"""`tsadlab-bench`: a benchmark (methods x series x seeds of one collection) run as Hydra
jobs, resumable, its tables written from the job folders, and its methods placed among
published results."""
