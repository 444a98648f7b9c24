"""The words of a title as the staff search finds them: lower case, without accents.

The projection keeps a row per initiative and word (`initiative_words`); a search looks each
word it is given up as the start of a title word, through the index on the word. Both sides
normalise with `words`, so "Café" in a title is found by "cafe", "CAFÉ" and "caf".
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[^\W_]+")  # letters and digits; anything else separates words
LONGEST = 60  # a longer "word" (a pasted link, say) is kept only this far: it is still found


def normal(text: str) -> str:
    """`text` in lower case with its accents taken off ("Één" → "een")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The distinct words of `text`, normalised, in the order they first appear."""
    found: dict[str, None] = {}
    for word in WORD.findall(normal(text)):
        found.setdefault(word[:LONGEST], None)
    return list(found)


def word_entries(initiative_id: str, title: str) -> list[tuple[str, str]]:
    """The (initiative id, word) rows of one title."""
    return [(initiative_id, word) for word in words(title)]
