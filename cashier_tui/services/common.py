"""Small helpers the services share: UTC at the storage edge, local days, database errors.

Times are stored in UTC. SQLite keeps no offset (SQLAlchemy writes the wall time and reads it
back naive), so every write goes through :func:`to_utc` and every read through
:func:`from_db`; PostgreSQL's ``timestamptz`` gives aware values that pass through unchanged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..domain.errors import Conflict, DiskFull, OutcomeUnknown, StoreUnavailable, TillError
from ..storage.prepared import CommitOutcomeUnknown

log = logging.getLogger("cashier_tui.refunds")

P = ParamSpec("P")
T = TypeVar("T")

BUSY = "The database is busy (another till is writing). Try again in a moment."
UNREACHABLE = ("Cannot reach the database. Check the network or the database server; "
               "nothing was changed.")
NO_SCHEMA = ("The database has no till tables yet: run `cashier-tui db upgrade`; "
             "nothing was changed.")
CONFLICT = ("The database refused the change (the sale changed meanwhile); nothing was "
            "changed. Look the sale up again.")
DISK_FULL = ("The disk of the database is full: free some space (or ask support to), then "
             "try again; nothing was changed.")
BAD_VALUE = "The database refused a value (too long or out of range); nothing was changed."
SAVED_MAYBE = ("Lost contact with the database while saving: the change may have been saved; "
               "look again before you do it again.")

_BUSY_HINTS = ("database is locked", "database is busy", "database table is locked",
               "lock timeout", "could not obtain lock", "deadlock detected",
               "could not serialize")
_SCHEMA_HINTS = ("no such table", "no such column", "does not exist")
# SQLITE_FULL ("database or disk is full", also past PRAGMA max_page_count); PostgreSQL's
# disk_full (53100) "could not extend file ...: No space left on device".
_FULL_HINTS = ("database or disk is full", "no space left on device", "disk full")


def to_utc(moment: datetime) -> datetime:
    """An aware time in UTC, for storage (a naive time is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def from_db(moment: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite hands it back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_day(now: datetime, day: date | None) -> tuple[date, datetime, datetime]:
    """``day`` (default: today by ``now``) and its [start, end) in UTC, in ``now``'s zone."""
    tz = now.tzinfo or UTC
    day = day or now.date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return day, to_utc(start), to_utc(end)


def store_error(exc: DBAPIError) -> TillError:
    """A plain message for a database failure; the caller raises it ``from exc``."""
    text = str(getattr(exc, "orig", exc) or exc).lower()
    if isinstance(exc, IntegrityError):
        return Conflict(CONFLICT)
    if any(hint in text for hint in _FULL_HINTS):
        return DiskFull(DISK_FULL)
    if isinstance(exc, DataError):
        return Conflict(BAD_VALUE)
    if any(hint in text for hint in _BUSY_HINTS):
        return StoreUnavailable(BUSY)
    if any(hint in text for hint in _SCHEMA_HINTS):
        return StoreUnavailable(NO_SCHEMA)
    return StoreUnavailable(UNREACHABLE)


def guarded(fn: Callable[P, T]) -> Callable[P, T]:
    """Turn database failures raised by ``fn`` into :class:`StoreUnavailable`-style errors."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except CommitOutcomeUnknown as exc:  # never "nothing was changed"
            log.warning("database error in %s: COMMIT outcome unknown", fn.__name__)
            raise OutcomeUnknown(SAVED_MAYBE) from exc.error
        except (OperationalError, DBAPIError) as exc:
            log.warning("database error in %s: %s", fn.__name__, exc.__class__.__name__)
            raise store_error(exc) from exc
        except PoolTimeout as exc:  # every connection of the pool is busy
            log.warning("database pool exhausted in %s", fn.__name__)
            raise StoreUnavailable(BUSY) from exc

    return wrapper
