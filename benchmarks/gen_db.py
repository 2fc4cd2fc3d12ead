"""A database of N realistic sales for the benchmarks, made through the import path.

``sales_file(n)`` writes N sales as the JSON Lines of DESIGN.md §4 (deterministic: the same N
gives the same bytes); ``sales_db(n)`` imports that file with ``cashier_tui.importer`` into a
fresh SQLite database migrated to head, adds a manager and a cashier, and folds the WAL into
the file. Both are cached under build/bench/, keyed by N and :data:`VERSION`; a cached
database is only brought to the current schema (``migrate.upgrade``), never regenerated.

    python -m benchmarks.gen_db --sales 1000000      # ~1 GB of disk, a few minutes once

Shape of the data: 2 years of trading in 5 stores of 4 tills each; 1-4 lines a sale
(Chinese and English names, some discounts), one tender (card, WeChat Pay, Alipay, UnionPay
QR, cash) or card + cash; 1% voided, some card payments unsettled.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .common import bench_dir, log

VERSION = 1  # bump when the data's shape changes: cached files are then made again
MANAGER = ("M001", "Bench Manager", "manager", "2468")
CASHIER = ("C001", "Bench Cashier", "cashier", "1357")
CST = timezone(timedelta(hours=8))
FIRST_DAY = date(2024, 11, 21)
DAYS = 730
TILLS = [(f"S{s:02d}", f"T{t:02d}") for s in range(1, 6) for t in range(1, 5)]
# The clock the benchmarks' tills run on: the day after the last sale.
NOW = datetime.combine(FIRST_DAY + timedelta(days=DAYS), datetime.min.time(), CST) + \
    timedelta(hours=15)

PRODUCTS = [
    ("6923450001011", "保温杯 500ml", 5900), ("6923450001028", "帆布袋", 1990),
    ("6923450001035", "USB-C cable 1m", 4950), ("6923450001042", "笔记本 A5", 1200),
    ("6923450001059", "Ceramic mug", 3500), ("6923450001066", "绿茶礼盒 green tea gift box",
                                              3500),
    ("6923450001073", "雨伞", 8900), ("6923450001080", "Desk lamp LED", 15900),
    ("6923450001097", "蓝牙耳机 Bluetooth earbuds", 19900), ("6923450001103", "矿泉水 550ml",
                                                            200),
    ("6923450001110", "Backpack 20L", 26900), ("6923450001127", "电饭煲 3L", 39900),
]
WALLETS = ("wechat", "alipay", "unionpay_qr")


def _amount(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def sales(n: int, seed: int = 7):
    """The N sales as dicts, in receipt order (the order a store's export would have)."""
    rng = random.Random(seed)
    seqs: dict[tuple[int, int], int] = {}
    for i in range(n):
        day_no = i * DAYS // n
        till_no = i % len(TILLS)
        seq = seqs[day_no, till_no] = seqs.get((day_no, till_no), 0) + 1
        day = FIRST_DAY + timedelta(days=day_no)
        store, till = TILLS[till_no]
        sold_at = datetime.combine(day, datetime.min.time(), CST) + timedelta(
            hours=8, seconds=seq * 37 % 43200)
        lines, total = [], 0
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            sku, name, price = rng.choice(PRODUCTS)
            qty = rng.choice((1, 1, 1, 2, 3))
            line = {"sku": sku, "name": name, "qty": qty, "unit_price": _amount(price),
                    "tax_rate": "0.13"}
            discount = rng.choice((0, 0, 0, 0, 100, 500)) if price * qty > 500 else 0
            if discount:
                line["discount"] = _amount(discount)
            lines.append(line)
            total += qty * price - discount
        kind = rng.random()
        if kind < 0.35 or total < 1000:
            payments = [_single(rng, rng.choice(("card", *WALLETS, "cash")), total)]
        elif kind < 0.75:
            payments = [_single(rng, rng.choice(WALLETS), total)]
        else:
            cash = rng.randrange(1, total // 2) // 100 * 100 or 100
            payments = [_single(rng, "card", total - cash), {"method": "cash",
                                                              "amount": _amount(cash)}]
        yield {"receipt_no": f"{store}-{till}-{day:%Y%m%d}-{seq:04d}",
               "sold_at": sold_at.isoformat(), "store": store, "till": till,
               "cashier": f"C{rng.randrange(1, 40):03d}", "currency": "CNY",
               "status": "voided" if rng.random() < 0.01 else "completed",
               "lines": lines, "payments": payments}


def _single(rng: random.Random, method: str, amount: int) -> dict[str, object]:
    pay: dict[str, object] = {"method": method, "amount": _amount(amount)}
    if method == "card":
        pay["reference"] = f"AUTH{rng.randrange(10**6):06d}"
        pay["card_last4"] = f"{rng.randrange(10**4):04d}"
        if rng.random() < 0.05:
            pay["settled"] = False
    elif method != "cash":
        pay["reference"] = f"{method[:2].upper()}{rng.randrange(10**12):012d}"
    return pay


def receipts(n: int, seed: int = 7) -> list[str]:
    """Every receipt number of :func:`sales_file` ``(n)``, without building the sales."""
    out, seqs = [], {}
    for i in range(n):
        day_no, till_no = i * DAYS // n, i % len(TILLS)
        seq = seqs[day_no, till_no] = seqs.get((day_no, till_no), 0) + 1
        store, till = TILLS[till_no]
        out.append(f"{store}-{till}-{FIRST_DAY + timedelta(days=day_no):%Y%m%d}-{seq:04d}")
    return out


def sales_file(n: int, directory: Path | None = None) -> Path:
    """The JSON Lines file of N sales (cached)."""
    directory = directory or bench_dir()
    path = directory / f"sales-{n}-v{VERSION}.jsonl"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    started = time.perf_counter()
    with open(tmp, "w", encoding="utf-8") as fh:
        for sale in sales(n):
            fh.write(json.dumps(sale, ensure_ascii=False, separators=(", ", ": ")))
            fh.write("\n")
    tmp.replace(path)
    log(f"gen_db: wrote {n} sales to {path} in {time.perf_counter() - started:.1f} s")
    return path


def sales_db(n: int, directory: Path | None = None, keep_file: bool | None = None) -> Path:
    """An SQLite database of N imported sales plus :data:`MANAGER` and :data:`CASHIER`
    (cached; brought to the current schema when the cache is older than it)."""
    from cashier_tui.storage import migrate
    from cashier_tui.storage.db import make_engine

    directory = directory or bench_dir()
    path = directory / f"sales-{n}-v{VERSION}.db"
    if path.exists():
        engine = make_engine(path)
        try:
            if migrate.current_revision(engine) != migrate.HEAD:
                log(f"gen_db: upgrading {path} to schema {migrate.HEAD}")
                migrate.upgrade(engine)
        finally:
            engine.dispose()
        checkpoint(path)
        return path
    source = sales_file(n, directory)
    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    build(tmp, source)
    tmp.replace(path)
    if not (keep_file if keep_file is not None else n <= 100_000):
        source.unlink()  # 1M sales are ~400 MB of text: the database is what is reused
    return path


def build(path: Path, source: Path) -> None:
    """Import ``source`` into a new database at ``path``, add the staff, fold the WAL."""
    from cashier_tui.clock import FixedClock
    from cashier_tui.importer import import_sales
    from cashier_tui.services import people
    from cashier_tui.storage import migrate
    from cashier_tui.storage.db import make_engine

    engine = make_engine(path)
    try:
        migrate.upgrade(engine)
        started = time.perf_counter()
        report = import_sales(engine, source)
        log(f"gen_db: imported {report.added} sales into {path} in "
            f"{time.perf_counter() - started:.1f} s")
        for cashier_id, name, role, pin in (MANAGER, CASHIER):
            people.add_cashier(engine, cashier_id, name, role, pin, FixedClock(NOW))
    finally:
        engine.dispose()
    checkpoint(path)


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file: then a copy of the one file is the database."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def copy_db(source: Path, target: Path) -> Path:
    """A private copy of a cached database (benchmarks that write use one)."""
    import shutil

    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gen_db")
    parser.add_argument("--sales", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(sales_db(args.sales))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
