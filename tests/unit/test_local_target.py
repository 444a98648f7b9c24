"""Redirect targets taken from a request stay on the site: a hand-written table of targets."""

from __future__ import annotations

import pytest

from web.security import local_target

# (target from the request, prefix, where the redirect goes; "DEFAULT" = the fallback)
TARGETS = [
    ("/indienen", "/", "/indienen"),
    ("/gebieden/BU1?pagina=2#kaart", "/", "/gebieden/BU1?pagina=2#kaart"),
    ("/beheer/wachtrij/noord?status=routed", "/beheer", "/beheer/wachtrij/noord?status=routed"),
    ("/\t/evil.example", "/", "DEFAULT"),
    ("/\n/evil.example", "/", "DEFAULT"),
    ("/\r\nSet-Cookie: x=y", "/", "DEFAULT"),
    ("/\\evil.example", "/", "DEFAULT"),
    ("\\\\evil.example", "/", "DEFAULT"),
    ("//evil.example", "/", "DEFAULT"),
    ("///evil.example", "/", "DEFAULT"),
    (" //evil.example", "/", "DEFAULT"),
    ("\x00/evil", "/", "DEFAULT"),
    ("/\x7f", "/", "DEFAULT"),
    ("https://evil.example/", "/", "DEFAULT"),
    ("javascript:alert(1)", "/", "DEFAULT"),
    ("evil.example", "/", "DEFAULT"),
    ("", "/", "DEFAULT"),
    (None, "/", "DEFAULT"),
    ("/indienen", "/beheer", "DEFAULT"),
    ("/beheer/\t/evil.example", "/beheer", "DEFAULT"),
]


@pytest.mark.parametrize(("target", "prefix", "expected"), TARGETS)
def test_only_paths_on_this_site_are_followed(
    target: str | None, prefix: str, expected: str
) -> None:
    found = local_target(target, "DEFAULT", prefix=prefix)
    assert found == expected
