"""A forgiving, non-evaluating reader for the JSON-like literals models write.

Models emit Python reprs (`{'Position': [1, 2, 3, 4], 'Confidence': 0.9}`), trailing commas,
```json fences, bare keys and lists cut off by the length limit. This reads all of those without
`eval`/`ast.literal_eval`: a small recursive-descent parser with a depth limit. A value cut off by
the end of the text is closed where it stops (the unfinished last element is dropped); anything
else malformed reads as None, so callers fail closed.
"""

from __future__ import annotations

import re
from typing import Any

_MAX_DEPTH = 32
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORDS = {"true": True, "false": False, "null": None, "none": None, "nan": float("nan")}
_WORDS |= {"infinity": float("inf"), "inf": float("inf")}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/"}
_FENCE = "```"


class _Malformed(Exception):
    """The text is not a literal, even allowing for the usual model sloppiness."""


class _Truncated(Exception):
    """The text ended inside a value."""


def loads_loose(text: str) -> Any | None:
    """The first `[...]` or `{...}` literal in `text` (inside a ``` fence if there is one), or None."""
    fence = text.find(_FENCE)
    if fence >= 0:
        start = text.find("\n", fence)
        end = text.find(_FENCE, fence + len(_FENCE))
        text = text[start + 1 if start >= 0 else fence + len(_FENCE) : end if end > fence else len(text)]
    starts = [index for index in (text.find("["), text.find("{")) if index >= 0]
    if not starts:
        return None
    reader = _Reader(text, min(starts))
    try:
        return reader.value(0)
    except _Malformed:
        return None
    except _Truncated:
        return reader.partial


class _Reader:
    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position
        self.partial: Any = None  # the outermost container as far as it got

    def _skip_space(self) -> str:
        text, position = self.text, self.position
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        self.position = position
        if position >= len(text):
            raise _Truncated
        return text[position]

    def value(self, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _Malformed
        char = self._skip_space()
        if char in "[{":
            return self._container(depth, char)
        if char in "\"'":
            return self._string(char)
        number = _NUMBER.match(self.text, self.position)
        if number is not None:
            self._end_token(number.end())
            literal = number.group()
            return float(literal) if any(mark in literal for mark in ".eE") else int(literal)
        sign = -1.0 if char == "-" else 1.0
        word = _WORD.match(self.text, self.position + (char in "+-"))
        if word is not None:
            self._end_token(word.end())
            value = _WORDS.get(word.group().lower(), word.group())
            if char not in "+-":
                return value
            if isinstance(value, float):  # -Infinity, +NaN
                return sign * value
        raise _Malformed

    def _end_token(self, end: int) -> None:
        """A number or word running into the end of the text may be cut short: do not trust it."""
        if end >= len(self.text):
            raise _Truncated
        self.position = end

    def _container(self, depth: int, opener: str) -> list[Any] | dict[Any, Any]:
        closer = "]" if opener == "[" else "}"
        result: list[Any] | dict[Any, Any] = [] if opener == "[" else {}
        if depth == 0:
            self.partial = result
        self.position += 1
        while True:
            char = self._skip_space()
            if char == closer:
                self.position += 1
                return result
            if char == ",":
                self.position += 1
                continue
            if isinstance(result, list):
                item = self.value(depth + 1)
                result.append(item)
            else:
                key = self.value(depth + 1)
                if self._skip_space() not in ":=":
                    raise _Malformed
                self.position += 1
                item = self.value(depth + 1)
                if isinstance(key, list | dict):
                    raise _Malformed
                result[key] = item
            if self._skip_space() not in f",{closer}":
                raise _Malformed

    def _string(self, quote: str) -> str:
        text, position = self.text, self.position + 1
        pieces: list[str] = []
        while True:
            end = min(
                (index for index in (text.find(quote, position), text.find("\\", position)) if index >= 0),
                default=-1,
            )
            if end < 0:
                raise _Truncated
            pieces.append(text[position:end])
            if text[end] == quote:
                self.position = end + 1
                return "".join(pieces)
            if end + 1 >= len(text):
                raise _Truncated
            escaped = text[end + 1]
            if escaped == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[end + 2 : end + 6]):
                pieces.append(chr(int(text[end + 2 : end + 6], 16)))
                position = end + 6
            else:
                pieces.append(_ESCAPES.get(escaped, escaped))
                position = end + 2
