"""Plumbing shared by the capabilities: small SQL tables, secrets under var/, the embedded Redis,
process supervision, following the notification log and the event transcodings."""
