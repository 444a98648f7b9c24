"""Reading the JSON and YAML files operators hand to the platform, with errors that name the place.

Teams, rulebooks, initiatives and area maps come from files made by hand or by other tools. A file
that is not UTF-8, not well-formed, nested absurdly deep or holding a number of thousands of digits
must end in one `DataFileError` naming the file (and the line where the parser knows it), never in
a stack trace or a hang. The limits are far above what any real file of these kinds needs.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.error import MarkedYAMLError
from yaml.nodes import Node

# YAML nesting; the files read here are at most 5 levels deep.
MAX_DEPTH = 64
# Digits in one integer; Python itself stops at 4300, RD New coordinates have 6.
MAX_DIGITS = 64
# Where such an integer stands in JSON text (not part of a fraction or an exponent).
TOO_MANY_DIGITS = re.compile(rf"(?<![\d.eE+-])-?\d{{{MAX_DIGITS + 1},}}(?![\d.eE])")


class DataFileError(ValueError):
    """A file cannot be read as data; `str()` names the file, the line if known, and the problem.

    `syntax` is the language ("JSON", "YAML") when the parser refused the text; `problem` is then
    the parser's own description.
    """

    def __init__(
        self,
        path: Path | str,
        problem: str,
        line: int | None = None,
        column: int | None = None,
        *,
        syntax: str | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.column = column
        self.syntax = syntax
        place = "".join(
            f", {label} {value}" for label, value in (("line", line), ("column", column)) if value
        )
        kind = f"not valid {syntax}: " if syntax else ""
        super().__init__(f"{self.path}{place}: {kind}{problem}")


def decode(raw: bytes, path: Path | str) -> str:
    """Return the UTF-8 text of `raw` (a byte-order mark is allowed and dropped)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataFileError(
            path, f"not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})", line
        ) from None


def read_text(path: Path) -> str:
    """Return the UTF-8 text of the file at `path`."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        problem = f"[Errno {error.errno}] {error.strerror}" if error.strerror else str(error)
        raise DataFileError(path, problem) from None
    return decode(raw, path)


# -- JSON -----------------------------------------------------------------------------------------


class _NumberRefused(ValueError):
    pass


class _TooManyDigits(_NumberRefused):
    pass


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise _TooManyDigits(f"a number has {digits} digits (at most {MAX_DIGITS})")
    return int(text)


def _real(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberRefused(f"the number {text[:20]} is out of range")
    return value


def _constant(text: str) -> float:
    raise _NumberRefused(f"{text} is not a JSON number")


def parse_json(text: str, path: Path | str) -> Any:
    """Parse JSON text read from `path` (only used in messages)."""
    try:
        return json.loads(text, parse_int=_integer, parse_float=_real, parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise DataFileError(path, error.msg, error.lineno, error.colno, syntax="JSON") from None
    except _NumberRefused as error:
        found = TOO_MANY_DIGITS.search(text) if isinstance(error, _TooManyDigits) else None
        line = text.count("\n", 0, found.start()) + 1 if found else None
        raise DataFileError(path, str(error), line) from None
    except RecursionError:
        raise DataFileError(path, "nested too deeply") from None


def load_json(path: Path) -> Any:
    """Parse the JSON file at `path`."""
    return parse_json(read_text(path), path)


# -- YAML -----------------------------------------------------------------------------------------


class _Refused(MarkedYAMLError):
    """Well-formed YAML this loader will not build (the problem is the whole message)."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with a depth limit, no aliases and integers of sane length."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(
                None,
                None,
                "aliases (*name) are not supported: write the value out",
                event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: Node) -> int:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_DIGITS:
            raise _Refused(
                None,
                None,
                f"a number has {digits} digits (at most {MAX_DIGITS})",
                node.start_mark,
            )
        value: int = super().construct_yaml_int(node)  # type: ignore[arg-type]
        return value


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def parse_yaml(text: str, path: Path | str) -> Any:
    """Parse YAML text read from `path` (only used in messages)."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader: builds only plain data
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        syntax = None if isinstance(error, _Refused) else "YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise DataFileError(path, problem, line, column, syntax=syntax) from None


def load_yaml(path: Path) -> Any:
    """Parse the YAML file at `path`."""
    return parse_yaml(read_text(path), path)
