"""A routing decision's explanation in the page's language.

The router writes its explanation in Dutch into the event (`RoutingDecision.explanation`): that
text is the fact and stays as it was. The decision also holds what the explanation is made of,
the matching rules best first (`candidates`, each with what it matched on and its ranking key),
so a page in another language tells the same in its own words. What cannot be read (an older or
unexpected shape) is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext, lazy_gettext

# Why the winning rule beats the runner-up: the first place their ranking keys differ.
REASONS = (
    lazy_gettext("een opgave met focusgebied en thema gaat voor een gewone regel"),
    lazy_gettext("meer voorwaarden (specifieker)"),
    lazy_gettext("een kleiner gebied (specifieker)"),
    lazy_gettext("een hogere prioriteit"),
)
CHALLENGE = re.compile(r"opgave (?P<code>\S+) \(focusgebied (?P<area>\S+), thema (?P<themes>.+)\)")


def _matched(part: str) -> str | None:
    """One 'matched on' phrase of the router, in the page's language (None: not readable)."""
    if found := CHALLENGE.fullmatch(part):
        return gettext(
            "opgave %(code)s (focusgebied %(area)s, thema %(themes)s)", **found.groupdict()
        )
    for prefix, text in (
        ("gebied ", lambda rest: gettext("gebied %(area)s", area=rest)),
        ("thema ", lambda rest: gettext("thema %(themes)s", themes=rest)),
        ("initiatiefnemer ", lambda rest: gettext("initiatiefnemer %(kind)s", kind=rest)),
    ):
        if part.startswith(prefix):
            return str(text(part[len(prefix) :]))
    return None


def _key(candidate: Mapping[str, Any]) -> tuple[int, int, int, int]:
    return (
        int(bool(candidate["challenge"])),
        int(candidate["dimensions"]),
        int(candidate["area_depth"]),
        int(candidate["priority"]),
    )


def routing_explanation(decision: Mapping[str, Any]) -> str:
    """The explanation of a routing decision (as stored in a Routed or Rerouted event)."""
    stored = str(decision.get("explanation") or "")
    candidates: Sequence[Mapping[str, Any]] = decision.get("candidates") or ()
    try:
        if not candidates:
            if decision.get("rule_id") is None:
                return gettext("Geen regel van toepassing: naar het regieteam.")
            return stored
        winner = candidates[0]
        if winner["rule"] != decision.get("rule_id"):
            return stored
        parts = [_matched(str(p)) for p in winner["matched_on"]]
        if any(p is None for p in parts):
            return stored
        text = gettext(
            "Regel %(rule)s (%(matched)s)",
            rule=winner["rule"],
            matched="; ".join(str(p) for p in parts),
        )
        if len(candidates) == 1:
            return gettext("%(text)s is de enige passende regel.", text=text)
        runner_up = candidates[1]
        for position, (mine, theirs) in enumerate(zip(_key(winner), _key(runner_up), strict=True)):
            if mine != theirs:
                return gettext(
                    "%(text)s wint van %(other)s: %(reason)s.",
                    text=text,
                    other=runner_up["rule"],
                    reason=REASONS[position],
                )
        return gettext(
            "%(text)s wint van %(other)s: gelijk, de laagste regel-id beslist.",
            text=text,
            other=runner_up["rule"],
        )
    except (KeyError, TypeError, ValueError):
        return stored
