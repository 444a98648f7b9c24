"""The English catalogue covers every Dutch text in the code and templates, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from web.i18n import compile_catalogues

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "participatie/translations/en/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "lazy_gettext": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_text_has_an_english_translation_with_the_same_placeholders() -> None:
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source)
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        singular = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[singular] = strings
    needed = extracted()
    assert len(needed) > 150
    missing = sorted(needed - set(translated))
    assert missing == [], "run `make translations` and translate these"
    for msgid in needed:
        for text in translated[msgid]:
            assert text, f"empty translation for {msgid!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(msgid)), msgid


def test_catalogues_compile_only_when_the_po_is_newer(tmp_path: Path) -> None:
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_bytes(CATALOGUE.read_bytes())
    assert compile_catalogues(tmp_path) == [folder / "messages.mo"]
    assert (folder / "messages.mo").stat().st_size > 1000
    assert compile_catalogues(tmp_path) == []
