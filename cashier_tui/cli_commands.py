"""The commands behind :mod:`cashier_tui.cli`; each returns an exit code or raises CliError."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .cli_common import MAX_SHOWN_ERRORS, PROG, CliError, describe, lazy, migrated_engine

log = logging.getLogger("cashier_tui.cli")


def dispatch(args, settings) -> int:
    command = args.command
    if command is None:
        return int(lazy("cashier_tui.app", "run", "the till")(settings) or 0)
    handlers = {
        "import-sales": import_sales, "export": export, "cashier": cashier,
        "demo-receipts": demo_receipts, "print-test": print_test, "db": db_upgrade,
        "serve": serve, "config": config, "secret": secret_rotate,
    }
    return handlers[command](args, settings)


def _store_failure(exc, what: str) -> CliError:
    """A database failure as one plain line (never the SQL and its parameters)."""
    from .services.common import store_error

    log.error("%s: database error %s", what, type(getattr(exc, "orig", exc)).__name__)
    return CliError(1, f"{what}: {store_error(exc).message}")


def import_sales(args, settings) -> int:
    from sqlalchemy.exc import DBAPIError

    from .importer import ImportFailed
    from .importer import import_sales as run_import

    path = Path(args.file)
    if not path.is_file():
        raise CliError(2, f"{path}: no such file")
    engine = migrated_engine(settings)
    tty = sys.stderr.isatty()

    def show(lines: int, fraction: float) -> None:
        print(f"\r{path}: {fraction:4.0%} ({lines} lines)", end="", file=sys.stderr, flush=True)

    try:
        report = run_import(engine, path, progress=show if tty else None)
    except ImportFailed as exc:
        if tty:
            print(file=sys.stderr)
        for error in exc.errors[:MAX_SHOWN_ERRORS]:
            print(f"{path}:{error.line}: {error.field}: {error.message}", file=sys.stderr)
        if exc.count > MAX_SHOWN_ERRORS:
            print(f"... and {exc.count - MAX_SHOWN_ERRORS} more", file=sys.stderr)
        raise CliError(2, f"{path}: nothing was imported ({exc.count} problem(s))") from None
    except DBAPIError as exc:
        raise _store_failure(exc, f"{path}: nothing was imported") from None
    except OSError as exc:
        raise CliError(2, f"{path}: cannot read: {exc.strerror or exc}") from None
    finally:
        engine.dispose()
    if tty:
        print(file=sys.stderr)
    print(f"{path}: {report.added} sale(s) added, {report.unchanged} unchanged "
          f"({report.total} in the file)")
    return 0


@contextmanager
def _output(out: str | None, fmt: str):
    """stdout, or a file written next to its final name and renamed when complete."""
    if out is None:
        yield sys.stdout
        return
    target = Path(out)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".",
                               prefix=f".{target.name}.", suffix=".tmp")
    try:
        # A CSV file gets a BOM so that spreadsheets read the Chinese in it as UTF-8.
        with os.fdopen(fd, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8",
                       newline="" if fmt == "csv" else None) as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(args, settings) -> int:
    from .export import export_refunds

    engine = migrated_engine(settings)
    try:
        with _output(args.out, args.format) as fh:
            count = export_refunds(engine, fh, args.format, args.since,
                                   store=settings.store_id)
    except OSError as exc:
        raise CliError(2, f"{args.out}: cannot write: {exc.strerror or exc}") from None
    finally:
        engine.dispose()
    print(f"exported {count} refund(s) to {args.out or 'stdout'}", file=sys.stderr)
    return 0


def _read_pin() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        pin = getpass.getpass("PIN: ")
        if getpass.getpass("PIN again: ") != pin:
            raise CliError(2, "the two PINs differ; nothing was changed")
    else:
        pin = (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")
    if not pin:
        raise CliError(2, "no PIN given: type it when asked, or give one line on stdin")
    return pin


def cashier(args, settings) -> int:
    return cashier_unlock(args, settings) if args.action == "unlock" else cashier_add(
        args, settings)


def cashier_unlock(args, settings) -> int:
    from .clock import SystemClock
    from .domain.errors import TillError, UnknownCashier

    if not args.cashier_id.strip():
        raise CliError(2, "no cashier id given: type the id of the account to unlock, e.g. "
                       "`cashier-tui cashier unlock C001`; nothing was changed")
    unlock = lazy("cashier_tui.services.people", "unlock", "cashier unlock")
    engine = migrated_engine(settings)
    try:
        was_locked = unlock(engine, args.cashier_id, SystemClock(), by=None, via="cli")
    except UnknownCashier:
        raise CliError(2, f"no cashier with id {args.cashier_id}; nothing was changed"
                       ) from None
    except TillError as exc:
        raise CliError(1, exc.message) from None
    finally:
        engine.dispose()
    print(f"{args.cashier_id} unlocked" if was_locked else
          f"{args.cashier_id} was not locked; its count of wrong PINs is back to zero")
    return 0


def cashier_add(args, settings) -> int:
    from sqlalchemy.exc import DBAPIError

    from .clock import SystemClock
    from .domain.errors import TillError

    add = lazy("cashier_tui.services.people", "add_cashier", "cashier add")
    engine = migrated_engine(settings)
    try:
        pin = _read_pin()
        view = add(engine, args.cashier_id, args.name, args.role, pin, SystemClock())
    except ValueError as exc:
        raise CliError(2, str(exc)) from None
    except TillError as exc:
        raise CliError(1, exc.message) from None
    except DBAPIError as exc:
        raise _store_failure(exc, f"cashier {args.cashier_id} was not added") from None
    finally:
        engine.dispose()
    print(f"{view.cashier_id} ({view.name}) added as {view.role}")
    return 0


def demo_receipts(args, settings) -> int:
    run = lazy("printers.commands", "demo_receipts", "demo-receipts")
    return int(run(settings, Path(args.out)))


def print_test(args, settings) -> int:
    return int(lazy("printers.commands", "print_test", "print-test")(settings))


def db_upgrade(args, settings) -> int:
    from .storage.migrate import HEAD

    migrated_engine(settings).dispose()
    print(f"{settings.db_display()}: schema at revision {HEAD}")
    return 0


def secret_rotate(args, settings) -> int:
    from sqlalchemy.exc import DBAPIError

    from .services.store_keys import load_keys, rotate

    engine = migrated_engine(settings)
    try:
        load_keys(engine, legacy_file=settings.secret_path)  # an old file key is kept first
        key_id = rotate(engine, actor=None)
    except DBAPIError as exc:
        raise _store_failure(exc, "the refund QR key was not rotated") from None
    finally:
        engine.dispose()
    print(f"refund QR codes are now signed with key {key_id}; every older code still "
          "verifies at every till of the store (running tills sign with it within a minute)")
    return 0


def serve(args, settings) -> int:
    return int(lazy("cashier_tui.serve", "serve", "serve")(settings, args.port) or 0)


def config(args, settings) -> int:
    for key, value in describe(settings):
        print(f"{key + ':':15}{value}")
    print(f"{'language:':15}{settings.ui_lang()}")
    print(f"{'store/till:':15}{settings.store_id}/{settings.till_id}")
    return 0


__all__ = ["PROG", "dispatch"]
