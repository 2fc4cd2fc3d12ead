"""Import speed: ``import_sales`` against raw sqlite3 ``executemany`` of the same rows.

The importer reads the generated JSON Lines file (:mod:`benchmarks.gen_db`), checks every
line, hashes it and writes sales, lines and tenders into a fresh database at the schema's
head, all or nothing: timed from the call to its return (committed). The baseline takes the
very rows the importer wrote (read back, untimed) and inserts them with plain ``sqlite3``
into another fresh database of the same schema and pragmas: ``BEGIN IMMEDIATE``, one
``executemany`` per table, ``COMMIT``. Both as sales per second; they alternate, medians.

Budget: the importer at least a third of the raw speed.

    python -m benchmarks.bench_import [--quick] [--sales N]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import time
from pathlib import Path

from . import gen_db
from .common import Result, at_least, bench_dir, interleave, log, median, spread

LIMIT = 1 / 3
TABLES = ("sale", "sale_line", "tender")


def empty_db(path: Path) -> Path:
    """A database at the schema's head with no rows (copied for every run)."""
    from cashier_tui.storage import migrate
    from cashier_tui.storage.db import make_engine

    if not path.exists():
        engine = make_engine(path)
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
        gen_db.checkpoint(path)
    return path


def fresh(template: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return target


def run_importer(template: Path, source: Path, target: Path) -> float:
    from cashier_tui.importer import import_sales
    from cashier_tui.storage.db import make_engine

    engine = make_engine(fresh(template, target))
    try:
        started = time.perf_counter()
        import_sales(engine, source)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def stored_rows(path: Path) -> dict[str, tuple[str, list[tuple]]]:
    """Every row of the three tables: (INSERT statement, rows)."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in TABLES:
            cur = conn.execute(f"SELECT * FROM {table} ORDER BY id")
            names = [d[0] for d in cur.description]
            out[table] = (f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                          f"({', '.join('?' * len(names))})", cur.fetchall())
        return out
    finally:
        conn.close()


def run_raw(template: Path, rows: dict[str, tuple[str, list[tuple]]], target: Path) -> float:
    conn = sqlite3.connect(fresh(template, target), isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")  # what make_engine sets on every connection
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            sql, values = rows[table]
            conn.executemany(sql, values)
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def measure(sales: int, runs: int) -> Result:
    work = bench_dir() / "work"
    work.mkdir(parents=True, exist_ok=True)
    source = gen_db.sales_file(sales)
    template = empty_db(work / "import-empty.db")
    log(f"import: {sales} sales, {runs} runs each")
    run_importer(template, source, work / "import-till.db")  # warm-up; its rows for raw
    rows = stored_rows(work / "import-till.db")
    if len(rows["sale"][1]) != sales:
        raise RuntimeError(f"the importer wrote {len(rows['sale'][1])} of {sales} sales")
    samples = interleave(runs, {
        "importer": lambda: run_importer(template, source, work / "import-till.db"),
        "raw": lambda: run_raw(template, rows, work / "import-raw.db"),
    })
    speed = sales / median(samples["importer"])
    raw = sales / median(samples["raw"])
    lines = len(rows["sale_line"][1]) + len(rows["tender"][1])
    return at_least("import speed", speed, raw, "sales/s", "raw sqlite3 executemany", LIMIT,
                    f"{sales} sales (+{lines} line and tender rows), {runs} runs; importer "
                    f"{spread(samples['importer'])} s, raw {spread(samples['raw'], 1, '{:.2f}')}"
                    " s")


def run(quick: bool = False) -> list[Result]:
    return [measure(5_000, 2) if quick else measure(100_000, 5)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_import")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sales", type=int)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    results = run(args.quick) if args.sales is None else [measure(args.sales, args.runs)]
    from .report import table

    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
