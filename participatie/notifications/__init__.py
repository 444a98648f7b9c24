"""Who hears what: which events send mail to whom, composing it, the transport and its ledger,
and the signed tokens in the links of those mails."""
