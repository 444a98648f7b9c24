"""The words of a title as the staff search finds them: lower case, without accents; and the
Dutch stems of title and description for the full-text search.

The projection keeps a row per initiative and word (`initiative_words`); a search looks each
word it is given up as the start of a title word, through the index on the word. Both sides
normalise with `words`, so "Café" in a title is found by "cafe", "CAFÉ" and "caf".

For full-text search it keeps the stems (`initiative_stems`): Snowball's Dutch stemmer
(snowballstemmer) takes inflections off, so "speeltuinen" finds "speeltuin" and "bomen" finds
"boom". Each initiative has two sets: what staff search (its title and, with consent, its
description) and what the public searches (the public title and description, only once a
moderator let them be public). Compound words are not split: "tuin" does not find "speeltuin".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer

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


STAFF, PUBLIC = "staff", "public"  # the two sets of stems of an initiative
_STEMMER = snowballstemmer.stemmer("dutch")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Dutch stem of one normalised word."""
    return str(_STEMMER.stemWord(word))


def stems(text: str) -> list[str]:
    """The distinct stems of the words of `text`, in the order they first appear."""
    return list(dict.fromkeys(stem(word) for word in words(text)))


def stem_entries(row: Any) -> list[tuple[str, str, str, str]]:
    """The (initiative id, scope, stem, submitted) rows of one view row; the submission moment
    (as stored) lets a search read the newest matches of a stem straight from its index."""
    from participatie.views.rows import stamp

    submitted = str(stamp(row.submitted_at))
    staff = stems(f"{row.title} {row.description or ''}")
    found = [(row.id, STAFF, s, submitted) for s in staff]
    if row.public_title is not None:
        public = stems(f"{row.public_title} {row.public_description or ''}")
        found += [(row.id, PUBLIC, s, submitted) for s in public]
    return found


# Dutch function words (and the stems they give): two texts sharing them are not alike.
STOPWORDS = frozenset(
    [
        "aan",
        "al",
        "als",
        "bij",
        "dan",
        "dat",
        "de",
        "deze",
        "die",
        "dit",
        "door",
        "dus",
        "een",
        "en",
        "er",
        "geen",
        "graag",
        "heel",
        "het",
        "hier",
        "hij",
        "hun",
        "ik",
        "in",
        "is",
        "je",
        "jullie",
        "kan",
        "kunnen",
        "maar",
        "meer",
        "met",
        "mijn",
        "moet",
        "moeten",
        "naar",
        "niet",
        "nog",
        "nu",
        "of",
        "om",
        "onze",
        "ons",
        "ook",
        "op",
        "over",
        "te",
        "tot",
        "u",
        "uit",
        "uw",
        "van",
        "veel",
        "voor",
        "waar",
        "wat",
        "we",
        "wel",
        "wie",
        "wij",
        "wil",
        "willen",
        "worden",
        "wordt",
        "ze",
        "zij",
        "zijn",
        "zo",
        "zou",
    ]
)


def content_stems(text: str) -> list[str]:
    """The stems of `text` that say something: without Dutch function words."""
    return [s for s in stems(text) if s not in STOPWORDS and stem(s) not in STOPWORDS]
