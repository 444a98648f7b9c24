"""Dutch names for stored codes that both the web pages and the e-mail use (marked for
translation; each side translates them in its own way)."""

from __future__ import annotations

from participatie.application.schemas import N_

OUTCOMES = {
    "honoured": N_("Gehonoreerd"),
    "partly_honoured": N_("Deels gehonoreerd"),
    "not_honoured": N_("Niet gehonoreerd"),
}

# The kinds of mail an initiator may turn off (domain.initiative.MUTABLE_MAIL): "mail me when …".
MAIL_KINDS = {
    "handoff_accepted": N_("een team mijn initiatief in behandeling neemt"),
    "information_requested": N_("het team mij een vraag stelt"),
    "public_update": N_("het team nieuws over mijn initiatief plaatst"),
    "decision_published": N_("er een besluit is"),
    "execution_started": N_("de uitvoering begint"),
    "completed": N_("het initiatief is afgerond"),
}
