"""Background processes: relay, RQ workers and their jobs."""
