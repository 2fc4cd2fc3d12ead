"""What the command line and its commands share: the program's name, the error a command
raises, what ``--help`` and ``config`` show, a command's module loaded lazily, and the
migrated database. Imported by :mod:`cashier_tui.cli` and :mod:`cashier_tui.cli_commands`,
importing neither (no import circle)."""

from __future__ import annotations

import importlib
import logging

PROG = "cashier-tui"
MAX_SHOWN_ERRORS = 50
log = logging.getLogger("cashier_tui.cli")


class CliError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def describe(settings) -> list[tuple[str, str]]:
    """What a support person needs to see: where settings, data, printer and logs are."""
    path = settings.config_path
    state = "" if settings.config_loaded else " (not found: defaults apply)"
    try:
        database = settings.db_display()
    except Exception as exc:  # DatabaseError: not a URL we can use
        database = f"{_hidden(settings.db)} (unusable: {exc})"
    return [("settings file", f"{path}{state}"), ("database", database),
            ("printer", f"{settings.printer} ({settings.printer_profile})"),
            ("log file", str(settings.log_file))]


def _hidden(db: str | None) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(db).render_as_string(hide_password=True)
    except Exception:
        return "(not a database URL)"


def lazy(module: str, name: str, what: str):
    """``module.name``, or a plain 'not available' error when that module is missing."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise CliError(1, f"{what} is not available in this build ({module} is missing)"
                           ) from None
        raise
    if not hasattr(found, name):
        raise CliError(1, f"{what} is not available in this build ({module}.{name} is missing)")
    return getattr(found, name)


def migrated_engine(settings):
    """The configured database, migrated to the current schema."""
    from sqlalchemy.exc import DBAPIError

    from .storage import migrate
    from .storage.db import DatabaseError, make_engine

    if settings.demo:
        raise CliError(2, "--demo: this command works on the till's database; the demo "
                          "database lives only inside the app (run it without --demo)")
    try:
        url = settings.db_url()
    except DatabaseError as exc:
        raise CliError(2, f"--db: {exc}") from None
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    except DatabaseError as exc:
        raise CliError(1, str(exc)) from None
    except DBAPIError as exc:
        log.exception("cannot use the database %s", settings.db_display())
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise CliError(1, f"cannot use the database {settings.db_display()}: {first}") from None
    return engine
