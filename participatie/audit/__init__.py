"""Proving what happened: the hash chain and checkpoints, exports, time travel and event history."""
