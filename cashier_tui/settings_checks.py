"""Checks for settings values: each turns what a source gave (a TOML value, an environment
variable's text, a flag) into the value, or raises ValueError with words a store owner can
act on ("must be 'en' or 'zh'").

Written here, not with pydantic: settings are read on every start before the first screen,
and importing pydantic (or even pydantic-core and its schema module) cost more than the rest
of the start's own work (DESIGN.md §10, docs/PERFORMANCE.md). The checks are few and plain.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

Check = Callable[[Any], Any]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _quoted(options: tuple[str, ...]) -> str:
    words = [f"'{o}'" for o in options]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def optional(check: Check) -> Check:
    """None, or what ``check`` accepts; blank text counts as None."""
    def run(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return check(value)
    return run


def text(min_length: int = 0, max_length: int | None = None) -> Check:
    def run(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be text (in quotes), not {value!r}")
        if len(value) < min_length:
            raise ValueError(f"must have at least {min_length} character(s)")
        if max_length is not None and len(value) > max_length:
            raise ValueError(f"must have at most {max_length} characters")
        return value
    return run


def choice(*options: str, upper: bool = False) -> Check:
    """One of ``options`` (matched in upper case when ``upper``)."""
    def run(value: Any) -> str:
        found = value.upper() if upper and isinstance(value, str) else value
        if found not in options:
            raise ValueError(f"must be {_quoted(options)}, not {value!r}")
        return found
    return run


def number(kind: type[int] | type[float], *, gt: float | None = None,
           ge: float | None = None, le: float | None = None) -> Check:
    """An ``int`` (or a ``float``) within the bounds; text from the environment is parsed."""
    noun = "an integer" if kind is int else "a number"

    def run(value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"must be {noun}, not {value!r}")
        try:
            found = kind(value.strip() if isinstance(value, str) else value)
        except ValueError:
            raise ValueError(f"must be {noun}, not {value!r}") from None
        if kind is int and isinstance(value, float) and found != value:
            raise ValueError(f"must be {noun}, not {value!r}")
        if isinstance(found, float) and not math.isfinite(found):
            raise ValueError(f"must be a finite number, not {value!r}")
        if gt is not None and not found > gt:
            raise ValueError(f"must be greater than {gt:g}, not {value!r}")
        if ge is not None and not found >= ge:
            raise ValueError(f"must be at least {ge:g}, not {value!r}")
        if le is not None and not found <= le:
            raise ValueError(f"must be at most {le:g}, not {value!r}")
        return found
    return run


def flag(value: Any) -> bool:
    """true or false (from the environment: 1/0, true/false, yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"must be true or false, not {value!r}")


def path(value: Any) -> Path:
    """A file's path, ``~`` expanded."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a file's path, not {value!r}")
    return Path(value).expanduser()


def time_zone(value: Any) -> str:
    """An IANA time zone name such as ``Asia/Shanghai``."""
    from zoneinfo import ZoneInfo

    if isinstance(value, str) and value.strip():
        try:
            ZoneInfo(value.strip())
            return value.strip()
        except (ValueError, KeyError, OSError):  # not a name, not found (a KeyError)
            pass
    raise ValueError(f'must be a time zone such as "Asia/Shanghai", not {value!r}')


def texts(value: Any) -> list[str]:
    """A list of text lines, such as ``["Shop 1", "Road 2"]``."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(x, str) for x in value):
        raise ValueError(f'must be a list of text such as ["Shop 1", "Road 2"], not {value!r}')
    return list(value)
