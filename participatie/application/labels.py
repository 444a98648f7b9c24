"""Dutch names for stored codes that both the web pages and the e-mail use (marked for
translation; each side translates them in its own way)."""

from __future__ import annotations

from participatie.application.schemas import N_

OUTCOMES = {
    "honoured": N_("Gehonoreerd"),
    "partly_honoured": N_("Deels gehonoreerd"),
    "not_honoured": N_("Niet gehonoreerd"),
}
