"""The pure domain: aggregates, events, the workflow table, values and errors."""
