"""The command line of DESIGN.md §3. Exit codes: 0 ok, 2 bad usage or bad input, 1 other.

Errors are one plain line on stderr (import problems one per line, ``FILE:LINE: field:
message``); tracebacks go to the log file only. Textual, escpos and Alembic are imported only
by the commands that need them, so ``--help`` and ``import-sales`` stay light.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date

from .cli_common import PROG, CliError, describe
from .i18n import LANGUAGES

log = logging.getLogger("cashier_tui.cli")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    group = parser.add_argument_group("settings (flag > CASHIER_TUI_* env > file > default)")
    group.add_argument("--db", metavar="URL", default=default,
                       help="SQLite file or SQLAlchemy URL (postgresql+psycopg://...)")
    group.add_argument("--printer", metavar="URI", default=default,
                       help="preview, file:PATH, tcp://HOST[:PORT], usb://VID:PID, "
                            "serial:///dev/ttyUSB0?baud=9600, lp://QUEUE")
    group.add_argument("--lang", choices=LANGUAGES, default=default)
    group.add_argument("--config", metavar="FILE", default=default, help="TOML settings file")
    group.add_argument("--demo", action="store_true", default=default,
                       help="training mode on a demo database")
    group.add_argument("--log-level", metavar="LEVEL", default=default,
                       help="DEBUG, INFO, WARNING or ERROR (to the log file)")


def build_parser(epilog: str = "") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="A keyboard-only refund till. Without a command: run the till.",
        epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    _global_options(parser, None)
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    _global_options(common, argparse.SUPPRESS)  # the same options also after the command
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    imp = sub.add_parser("import-sales", parents=[common], help="import sales (JSON Lines)")
    imp.add_argument("file", metavar="FILE")
    exp = sub.add_parser("export", parents=[common], help="export refunds")
    what = exp.add_subparsers(dest="what", metavar="WHAT", required=True)
    ref = what.add_parser("refunds", parents=[common], help="export refunds")
    ref.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    ref.add_argument("--since", type=_date, metavar="DATE", help="YYYY-MM-DD, the till's day")
    ref.add_argument("--out", metavar="FILE", help="write to FILE (default: stdout)")
    cas = sub.add_parser("cashier", parents=[common], help="manage cashiers")
    act = cas.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = act.add_parser("add", parents=[common],
                         help="add a cashier; the PIN is read from stdin or prompted for")
    add.add_argument("cashier_id", metavar="ID")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=("cashier", "manager"), required=True)
    unl = act.add_parser("unlock", parents=[common],
                         help="lift a lockout after too many wrong PINs (audited)")
    unl.add_argument("cashier_id", metavar="ID")
    dem = sub.add_parser("demo-receipts", parents=[common],
                         help="a printable sheet of demo receipts with barcodes")
    dem.add_argument("--out", metavar="FILE", required=True)
    sub.add_parser("print-test", parents=[common], help="print a test page")
    dbp = sub.add_parser("db", parents=[common], help="database maintenance")
    dbp.add_subparsers(dest="action", metavar="ACTION", required=True).add_parser(
        "upgrade", parents=[common], help="run the migrations")
    sec = sub.add_parser("secret", parents=[common], help="the store's refund QR key")
    sec.add_subparsers(dest="action", metavar="ACTION", required=True).add_parser(
        "rotate", parents=[common],
        help="sign new refund QR codes with a new key; every older code still verifies")
    srv = sub.add_parser("serve", parents=[common], help="the till in a browser")
    srv.add_argument("--port", type=int, default=8000)
    sub.add_parser("config", parents=[common], help="show the settings file, database, printer")
    return parser


def _settings_from(argv: list[str]):
    """Settings from the global options wherever they appear (for the --help epilog too)."""
    from .settings import load_settings

    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    for flag in ("--db", "--printer", "--lang", "--config", "--log-level"):
        pre.add_argument(flag)
    pre.add_argument("--demo", action="store_true", default=None)
    known, _ = pre.parse_known_args(argv)
    printer = known.printer
    if known.demo and printer is None:
        # Demo mode prints to the preview unless --printer is on this command line: a
        # printer from the settings file or the environment is the store's real one.
        printer = "preview"
    return load_settings(known.config, db=known.db, printer=printer, lang=known.lang,
                         demo=known.demo, log_level=known.log_level)


def _epilog(settings, error: Exception | None) -> str:
    if error is not None:
        return f"settings: {error}"
    return "\n".join(f"{k + ':':15}{v}" for k, v in describe(settings))


def _asks_for_help(argv: list[str]) -> bool:
    return any(arg in ("-h", "--help") for arg in argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    settings, problem = None, None
    try:
        settings = _settings_from(argv)
    except Exception as exc:  # shown in --help, reported below
        problem = exc
    try:
        # The epilog (where settings, data and logs are) is shown by --help only; making it
        # imports the storage layer (the database URL), which a till's start must not wait on.
        epilog = _epilog(settings, problem) if _asks_for_help(argv) else ""
        args = build_parser(epilog).parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2), already printed
        return int(exit_.code or 0)
    if problem is not None:
        return _fail(2 if isinstance(problem, ValueError) else 1, str(problem))
    try:
        from .logging_setup import setup_logging

        setup_logging(settings.log_level)
    except OSError:
        pass  # no log file (read-only home): the command still runs
    try:
        return _run(args, settings)
    except CliError as exc:
        return _fail(exc.code, exc.message)
    except KeyboardInterrupt:
        return _fail(1, "interrupted")
    except Exception as exc:
        log.exception("%s failed", args.command or "the till")
        return _fail(1, f"{_plain_error(exc)} (details in {settings.log_file})")


def _plain_error(exc: Exception) -> str:
    """One line for an unexpected failure; a database error's SQL and parameters (which may
    hold anything the user typed) are never printed."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):
        from .services.common import store_error

        return store_error(exc).message
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _fail(code: int, message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return code


def _run(args, settings) -> int:
    from .cli_commands import dispatch

    return dispatch(args, settings)
