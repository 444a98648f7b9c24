"""Personal data: per-person keys (crypto-shredding), erasure, retention and subject access."""
