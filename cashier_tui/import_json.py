"""One line of an import file parsed as JSON, with every failure a plain problem.

``json.loads`` raises more than ``JSONDecodeError``: a number of more than 4,300 digits is a
``ValueError`` (Python's int limit) and deep nesting a ``RecursionError``. A huge integer is
kept as :class:`HugeNumber` (the rules then say the field is too large); for nesting the
problem names the path where it goes too deep.
"""

from __future__ import annotations

import json

MAX_DEPTH = 64  # the format nests 3 deep (sale.lines[0].qty); reported past this depth
MAX_INT_DIGITS = 30


class HugeNumber(str):
    """A JSON integer too long to be one of the format's numbers (its digits, unconverted)."""


def _int(text: str) -> int | HugeNumber:
    return int(text) if len(text) <= MAX_INT_DIGITS else HugeNumber(text)


def parse_line(raw: bytes, out: list[tuple[str, str]]) -> object | None:
    """The parsed line, or None with its problem appended to ``out``."""
    try:
        # without its line ending: a line cut short is wrong at its own end, not at
        # "column 1" of the line after it
        return json.loads(raw.rstrip(b"\r\n"), parse_int=_int)
    except UnicodeDecodeError:
        out.append(("(line)", "is not UTF-8 text"))
    except json.JSONDecodeError as exc:
        out.append(("(line)", f"is not valid JSON: {exc.msg} {_where(exc)}"))
    except RecursionError:
        path = deep_path(raw.decode("utf-8", "replace"))
        out.append((path or "(line)", f"is nested more than {MAX_DEPTH} levels deep: no "
                                      "field of a sale is"))
    except ValueError as exc:  # pragma: no cover - json.loads has no other ValueError today
        out.append(("(line)", f"is not valid JSON ({type(exc).__name__})"))
    return None


def _where(exc: json.JSONDecodeError) -> str:
    """Where on the line, in characters (``json`` decodes the bytes before it counts)."""
    if exc.pos >= len(exc.doc):
        return f"at the end of the line (column {exc.colno})"
    return f"at column {exc.colno}"


def deep_path(text: str, limit: int = MAX_DEPTH) -> str | None:
    """The jq-style path (``lines[0].qty``, at most 3 steps) where ``text`` first nests
    deeper than ``limit``; None if it never does. A scan, no recursion."""
    stack: list[list] = []  # [kind, key or index]
    i, n = 0, len(text)
    key: str | None = None
    while i < n:
        ch = text[i]
        if ch == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            word = text[i + 1:end]
            i = end + 1
            if stack and stack[-1][0] == "{" and text[i:].lstrip().startswith(":"):
                try:
                    key = json.loads(f'"{word}"')
                except ValueError:
                    key = word
                stack[-1][1] = key
            continue
        if ch in "[{":
            stack.append([ch, 0 if ch == "[" else None])
            if len(stack) > limit:
                return _jq(stack)
        elif ch in "]}":
            if stack:
                stack.pop()
        elif ch == "," and stack and stack[-1][0] == "[":
            stack[-1][1] += 1
        i += 1
    return None


def _jq(stack: list[list]) -> str:
    """The path through ``stack`` (each container's current key or index), 3 steps."""
    parts = ""
    for kind, step in stack[:3]:
        parts += f"[{step}]" if kind == "[" else f".{step}"
    return parts.lstrip(".") or "(line)"
