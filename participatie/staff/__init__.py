"""Staff at work: accounts, sessions, API tokens and the access policy (what may this person do
now)."""
