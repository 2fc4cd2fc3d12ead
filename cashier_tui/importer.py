"""``import-sales``: a JSON Lines file of sales (DESIGN.md §4), imported whole or not at all.

The file is streamed in batches. Every line is checked (:mod:`cashier_tui.import_rules`); each
batch's receipt numbers are looked up with one ``IN`` query; the rows of a clean batch go in
with ``executemany``, all inside one write transaction. After the first problem nothing more
is written, checking goes on so that every problem is reported, and the transaction is rolled
back: the database is unchanged. A sale already stored with the same canonical content (its
``source_hash``) is counted as unchanged; a different sale under a stored receipt number is a
problem of that line.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Boolean, Connection, DateTime, Engine, Table, bindparam, select

from .import_fast import fast_check
from .import_json import parse_line
from .import_rules import CheckedSale, check_sale
from .storage.db import write_tx
from .storage.models import Sale, SaleLine, Tender

log = logging.getLogger("cashier_tui.importer")

BATCH = 2000  # lines per lookup and per executemany; also how often progress is reported
MAX_KEPT_ERRORS = 1000  # the rest are only counted

# progress(lines_read, fraction_of_the_file_read)
Progress = Callable[[int, float], None]


@dataclass(frozen=True, slots=True)
class LineError:
    line: int  # 1-based line number in the file
    field: str  # e.g. "receipt_no", "lines[0].qty" (indexes from 0, as jq writes them)
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    unchanged: int
    total: int  # sales in the file: added + unchanged


class ImportFailed(Exception):
    """The file was rejected; nothing was written. ``count`` may exceed ``len(errors)``."""

    def __init__(self, errors: list[LineError], count: int | None = None) -> None:
        self.errors = errors
        self.count = len(errors) if count is None else count
        super().__init__(f"{self.count} problem(s), first: {errors[0] if errors else '-'}")


def _read(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(line number, bytes read so far, the line); blank lines are skipped."""
    done = 0
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            done += len(raw)
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if raw and not raw.isspace():  # isspace: no copy of the line, unlike strip
                yield number, done, raw


def _check_slowly(raw: bytes, out: list[tuple[str, str]]) -> CheckedSale | None:
    """Every problem of a line the fast path did not accept, in words."""
    parsed = parse_line(raw, out)
    return None if parsed is None else check_sale(parsed, out)


SALE_COLUMNS = ("id", "receipt_no", "sold_at", "utc_offset_min", "store", "till", "cashier",
                "currency", "status", "total", "source_hash")
LINE_COLUMNS = ("sale_id", "line_no", "sku", "name", "qty", "unit_price", "discount", "net",
                "tax_rate")
TENDER_COLUMNS = ("sale_id", "seq", "method", "amount", "reference", "card_last4", "settled")
# Written as literals in the INSERT: nothing is refunded or in flight yet.
ZEROS = {"refunded", "in_flight", "refunded_qty", "in_flight_qty", "refunded_amount",
         "in_flight_amount"}


def _processor(column, dialect):
    """SQLAlchemy's own conversion of a value for this column on this database, if any."""
    if isinstance(column.type, Boolean):
        return None  # both drivers take a Python bool as it is
    proc = column.type.dialect_impl(dialect).bind_processor(dialect)
    if proc is not None and isinstance(column.type, DateTime):
        # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff"; isoformat writes that 4x faster for
        # the UTC times we hold. Used only when it gives SQLAlchemy's very bytes.
        sample = datetime(2026, 11, 20, 6, 3, 0, 123, tzinfo=UTC)
        if _fast_datetime(sample) == proc(sample):
            return _fast_datetime
    return proc


def _fast_datetime(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")[:26]


class _Insert:
    """``executemany`` of plain tuples straight to the driver (no per-row ORM or Core work).

    ``convert(name)`` is SQLAlchemy's conversion for a column (times on SQLite), for the
    caller to apply while it builds the rows. Other columns of the table get their scalar
    default, so a column added to models.py later with a default needs no change here."""

    def __init__(self, conn: Connection, table: Table, columns: tuple[str, ...]) -> None:
        dialect = conn.dialect
        zeros = [c.name for c in table.columns if c.name in ZEROS]
        extra = [c for c in table.columns if c.name not in columns and c.name not in ZEROS
                 and not c.primary_key and c.server_default is None]
        for column in extra:
            if not (column.default is not None and column.default.is_scalar) and \
                    not column.nullable:
                raise RuntimeError(f"importer: no value for {table.name}.{column.name}")
        names = [*columns, *(c.name for c in extra), *zeros]
        self.tail = tuple(c.default.arg if c.default is not None else None for c in extra)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        values = [mark] * (len(columns) + len(extra)) + ["0"] * len(zeros)
        self.sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(values)})"
        self.processors = {name: proc for name in columns
                           if (proc := _processor(table.c[name], dialect))}
        self.conn = conn

    def convert(self, name: str):
        return self.processors.get(name) or (lambda value: value)

    def __call__(self, rows: list[tuple]) -> None:
        if rows:
            if self.tail:
                rows = [row + self.tail for row in rows]
            self.conn.exec_driver_sql(self.sql, rows)


class _Writer:
    """Looks receipts up and writes rows on one connection, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        if conn.dialect.paramstyle not in ("qmark", "format", "pyformat"):  # pragma: no cover
            raise RuntimeError(f"importer: unsupported driver {conn.dialect.driver}")
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.next_id = 0
        if not self.postgres:  # the write lock is held (BEGIN IMMEDIATE): ids are ours
            self.next_id = conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM sale").scalar()
        # Into an empty table (a new till, the demo, a benchmark) only the file itself can
        # repeat a receipt, and the file's own duplicates are caught before this: no lookups.
        self.empty = conn.exec_driver_sql("SELECT 1 FROM sale LIMIT 1").first() is None
        self.lookup = select(Sale.receipt_no, Sale.source_hash).where(
            Sale.receipt_no.in_(bindparam("receipts", expanding=True)))
        self.sales = _Insert(conn, Sale.__table__, SALE_COLUMNS)
        self.lines = _Insert(conn, SaleLine.__table__, LINE_COLUMNS)
        self.tenders = _Insert(conn, Tender.__table__, TENDER_COLUMNS)
        for insert in (self.sales, self.lines, self.tenders):  # every column is plain but one
            if set(insert.processors) - {"sold_at"}:  # pragma: no cover - a new column type
                raise RuntimeError("importer: convert the new column type in _Writer.write")
        self.sold_at = self.sales.convert("sold_at")

    def existing(self, receipts: list[str]) -> dict[str, str]:
        if not receipts:
            return {}
        return dict(self.conn.execute(self.lookup, {"receipts": receipts}).all())

    def _ids(self, n: int) -> list[int]:
        if self.postgres:
            return list(self.conn.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('sale', 'id')) "
                "FROM generate_series(1, %(n)s)", {"n": n}).scalars())
        first = self.next_id + 1
        self.next_id += n
        return list(range(first, first + n))

    def write(self, sales: list[CheckedSale]) -> None:
        if not sales:
            return
        sale_rows, line_rows, tender_rows = [], [], []
        sold_at = self.sold_at
        for sale_id, s in zip(self._ids(len(sales)), sales, strict=True):
            sale_rows.append((sale_id, s.receipt_no, sold_at(s.sold_at), s.utc_offset_min,
                              s.store, s.till, s.cashier, s.currency, s.status, s.total,
                              s.source_hash))
            line_rows += [(sale_id, no, *line) for no, line in enumerate(s.lines, 1)]
            tender_rows += [(sale_id, seq, *pay) for seq, pay in enumerate(s.payments, 1)]
        self.sales(sale_rows)
        self.lines(line_rows)
        self.tenders(tender_rows)


class _Run:
    """The state of one import: counts, problems, the receipts seen in the file."""

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer
        self.errors: list[LineError] = []
        self.error_count = 0
        self.added = 0
        self.unchanged = 0
        self.seen: dict[str, int] = {}  # receipt_no -> line it first appeared on

    def problem(self, error: LineError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(error)

    def batch(self, checked: list[tuple[int, CheckedSale]]) -> None:
        if self.writer.empty:  # nothing stored to compare with (the file's repeats are
            if self.error_count == 0:  # caught by line()): every sale is new
                self.writer.write([sale for _, sale in checked])
                self.added += len(checked)
            return
        stored = self.writer.existing([sale.receipt_no for _, sale in checked])
        new: list[CheckedSale] = []
        for number, sale in checked:
            known = stored.get(sale.receipt_no)
            if known is None:
                new.append(sale)
            elif known == sale.source_hash:
                self.unchanged += 1
            else:
                self.problem(LineError(number, "receipt_no", (
                    f"{sale.receipt_no} is already stored with different content; a sale "
                    "cannot be changed by importing it again")))
        if self.error_count == 0:
            self.writer.write(new)
            self.added += len(new)

    def line(self, number: int, raw: bytes, sale: CheckedSale | None) -> CheckedSale | None:
        """The line's sale (``sale``: what the fast path made of it, if it did), or None
        with its problems recorded."""
        if sale is None:
            problems: list[tuple[str, str]] = []
            sale = _check_slowly(raw, problems)
            for field, message in problems:
                self.problem(LineError(number, field, message))
            if sale is None:
                return None
        first = self.seen.setdefault(sale.receipt_no, number)
        if first != number:
            self.problem(LineError(number, "receipt_no",
                                   f"{sale.receipt_no} is already on line {first} of this file"))
            return None
        return sale


def import_sales(engine: Engine, path: str | os.PathLike[str], *,
                 progress: Progress | None = None) -> ImportReport:
    """Import a JSON Lines file of sales, all or nothing. Raises :class:`ImportFailed`
    (every problem with its line and field; the database unchanged) or ``OSError``."""
    path = Path(path)
    size = max(path.stat().st_size, 1)
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived acyclic rows: reference counting frees them
    try:
        return _import(engine, path, size, progress)
    finally:
        if collecting:
            gc.enable()


def _import(engine: Engine, path: Path, size: int, progress: Progress | None) -> ImportReport:
    with write_tx(engine) as session:
        run = _Run(_Writer(session.connection()))
        checked: list[tuple[int, CheckedSale]] = []
        lines_read, done, next_report = 0, 0, BATCH
        fast, seen = fast_check, run.seen
        for lines_read, done, raw in _read(path):
            sale = fast(raw)
            # The usual line, clean and new, goes straight on; the rest through run.line.
            if sale is None or seen.setdefault(sale.receipt_no, lines_read) != lines_read:
                sale = run.line(lines_read, raw, sale)
            if sale is not None:
                checked.append((lines_read, sale))
                if len(checked) >= BATCH:
                    run.batch(checked)
                    checked = []
            if progress and lines_read >= next_report:
                progress(lines_read, done / size)
                next_report = lines_read + BATCH
        run.batch(checked)
        if run.error_count:
            log.warning("import of %s rejected: %d problem(s)", path, run.error_count)
            raise ImportFailed(run.errors, run.error_count)
    if progress:
        progress(lines_read, 1.0)
    report = ImportReport(run.added, run.unchanged, run.added + run.unchanged)
    log.info("imported %s: %d added, %d unchanged", path, report.added, report.unchanged)
    return report
