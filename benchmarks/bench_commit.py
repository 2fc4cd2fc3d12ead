"""Refund commit: ``Till.commit`` against raw sqlite3 writing the same rows (DESIGN.md §10).

Two private copies of the cached sales database. On copy A the till commits refunds (full,
by items and by amount, back to the original tenders: card and wallet legs in flight, cash
legs paid at once, unsettled cards voided), one ``Till.commit`` timed at a time. After each
commit the rows it wrote are read back from A (untimed), and on copy B plain ``sqlite3``
writes the very same rows in one ``BEGIN IMMEDIATE`` transaction: the refund counter
upsert, the refund, its lines, its legs, the caps of the sale lines, tenders and sale, and the
audit event(s). The two alternate, so the machine's load hits both alike.

Budget: median commit within 3x of the median raw transaction.

    python -m benchmarks.bench_commit [--quick] [--commits N]
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import time
from pathlib import Path

from . import gen_db
from .common import Result, bench_dir, log, median, spread, within

LIMIT = 3.0
SALES = 20_000  # the commit touches one sale by its unique receipt: size barely matters
REASON = "defective"


def requests(path: Path, count: int):
    """``count`` refund requests on distinct completed sales, spread over the database."""
    from cashier_tui.domain.views import RefundRequest

    conn = sqlite3.connect(path)
    try:
        total = conn.execute("SELECT count(*) FROM sale").fetchone()[0]
        step = max(1, total // (count * 2))  # voided sales are skipped: room to spare
        rows = conn.execute(
            "SELECT s.receipt_no, min(l.id) FROM sale s JOIN sale_line l ON l.sale_id = s.id "
            "WHERE s.status = 'completed' AND s.refunded = 0 AND s.in_flight = 0 "
            "AND s.id % ? = 0 GROUP BY s.id ORDER BY s.id LIMIT ?", (step, count)).fetchall()
    finally:
        conn.close()
    out = []
    for n, (receipt, line_id) in enumerate(rows):
        kind = ("full", "full", "items", "full", "amount", "full")[n % 6]
        out.append(RefundRequest(receipt_no=receipt, kind=kind, reason=REASON,
                                 items={line_id: 1} if kind == "items" else {},
                                 amount=100 if kind == "amount" else None))
    return out


def lenient_policy():
    """No approval for old or large sales, so every request commits (the rules still run)."""
    from cashier_tui.domain.policy import Policy

    return Policy(window_days=100_000, approval_threshold=10**14, gateway_max_days=100_000)


def make_till(path: Path):
    from cashier_tui.clock import FixedClock
    from cashier_tui.gateways.simulated import SimulatedGateway
    from cashier_tui.services.till import Till
    from cashier_tui.storage.db import make_engine

    keys = (f"bench-{n:08d}" for n in itertools.count(1))
    return Till(engine=make_engine(path), gateway=SimulatedGateway(),
                clock=FixedClock(gen_db.NOW), policy=lenient_policy(),
                new_key=lambda: next(keys))


class Replay:
    """The rows one commit wrote, read back from its database, written again by sqlite3."""

    def __init__(self, source: Path, target: Path, reads: bool = False) -> None:
        self.reads = reads
        self.src = sqlite3.connect(source)
        self.dst = sqlite3.connect(target, isolation_level=None, timeout=5)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            self.dst.execute(f"PRAGMA {pragma}")  # what make_engine sets on every connection

    def rows(self, refund_no: str):
        src = self.src
        refund = src.execute("SELECT * FROM refund WHERE refund_no = ?", (refund_no,)).fetchone()
        names = [d[0] for d in src.execute("SELECT * FROM refund LIMIT 0").description]
        r = dict(zip(names, refund, strict=True))
        lines = src.execute("SELECT refund_id, sale_line_id, qty, amount, restock FROM "
                            "refund_line WHERE refund_id = ? ORDER BY id", (r["id"],)).fetchall()
        legs = src.execute("SELECT refund_id, tender_id, payout, action, amount, state, "
                           "idempotency_key, attempts, updated_at FROM refund_leg "
                           "WHERE refund_id = ? ORDER BY id", (r["id"],)).fetchall()
        audits = src.execute("SELECT at, actor, kind, refund_no, detail FROM audit_event "
                             "WHERE refund_no = ? ORDER BY id", (refund_no,)).fetchall()
        done = r["status"] == "completed"  # cash only: lines and legs refunded at once
        line_caps = [(qty, amount, sale_line_id) for _, sale_line_id, qty, amount, _ in lines]
        tender_caps = [(amount, tender_id) for _, tender_id, _, _, amount, *_ in legs]
        cash = sum(leg[4] for leg in legs if leg[5] == "succeeded")
        scope = "-".join(refund_no.split("-")[1:3])
        receipt = src.execute("SELECT receipt_no FROM sale WHERE id = ?",
                              (r["sale_id"],)).fetchone()[0]
        return r, lines, legs, audits, done, line_caps, tender_caps, cash, scope, receipt

    def write(self, rows) -> float:
        r, lines, legs, audits, done, line_caps, tender_caps, cash, scope, receipt = rows
        cols = [k for k in r if k != "id"]
        refund_sql = (f"INSERT INTO refund ({', '.join(cols)}) VALUES "
                      f"({', '.join('?' * len(cols))})")
        line_col = "refunded" if done else "in_flight"
        db = self.dst
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        if self.reads:
            sale_id = db.execute("SELECT id, receipt_no, sold_at, utc_offset_min, store, till, "
                                 "cashier, currency, status, total, refunded, in_flight FROM "
                                 "sale WHERE receipt_no = ?", (receipt,)).fetchone()[0]
            db.execute(  # the request key, the cashier, the sale's earlier refunds today
                "SELECT (SELECT refund_no FROM refund WHERE request_key = ?), (SELECT count(*) "
                "FROM cashier WHERE id = ? AND active IS 1), (SELECT coalesce(sum(l.amount), 0) "
                "FROM refund_leg l JOIN refund e ON e.id = l.refund_id WHERE e.sale_id = ? AND "
                "e.created_at >= ? AND e.created_at < ? AND e.status != 'failed' AND e.status "
                "!= 'cancelled' AND l.state != 'failed')", (r["request_key"], r["cashier"],
                                                          sale_id, "", "~")).fetchone()
            db.execute("SELECT * FROM sale_line WHERE sale_id = ? ORDER BY line_no",
                       (sale_id,)).fetchall()
            db.execute("SELECT * FROM tender WHERE sale_id = ? ORDER BY seq",
                       (sale_id,)).fetchall()
        db.execute("INSERT INTO refund_counter (scope, last) VALUES (?, 1) ON CONFLICT (scope) "
                   "DO UPDATE SET last = refund_counter.last + 1 RETURNING last",
                   (scope,)).fetchone()
        refund_id = db.execute(refund_sql, [r[k] for k in cols]).lastrowid
        db.executemany("INSERT INTO refund_line (refund_id, sale_line_id, qty, amount, restock)"
                       " VALUES (?, ?, ?, ?, ?)", [(refund_id, *x[1:]) for x in lines])
        db.executemany(f"UPDATE sale_line SET {line_col}_qty = {line_col}_qty + ?, "
                       f"{line_col}_amount = {line_col}_amount + ? WHERE id = ?", line_caps)
        db.executemany("INSERT INTO refund_leg (refund_id, tender_id, payout, action, amount, "
                       "state, idempotency_key, attempts, updated_at) VALUES "
                       "(?, ?, ?, ?, ?, ?, ?, ?, ?)", [(refund_id, *x[1:]) for x in legs])
        for leg, (amount, tender_id) in zip(legs, tender_caps, strict=True):
            col = "refunded" if leg[5] == "succeeded" else "in_flight"
            db.execute(f"UPDATE tender SET {col} = {col} + ? WHERE id = ?", (amount, tender_id))
        db.execute("UPDATE sale SET refunded = refunded + ?, in_flight = in_flight + ? "
                   "WHERE id = ?", (cash, r["amount"] - cash, r["sale_id"]))
        db.executemany("INSERT INTO audit_event (at, actor, kind, refund_no, detail) VALUES "
                       "(?, ?, ?, ?, ?)", audits)
        db.execute("COMMIT")
        return time.perf_counter() - started

    def close(self) -> None:
        self.src.close()
        self.dst.close()


def measure(commits: int, sales: int = SALES) -> Result:
    source = gen_db.sales_db(sales)
    work = bench_dir() / "work"
    till_db = gen_db.copy_db(source, work / "commit-till.db")
    till = make_till(till_db)
    replay = Replay(till_db, gen_db.copy_db(source, work / "commit-raw.db"))
    replay_reads = Replay(till_db, gen_db.copy_db(source, work / "commit-raw-reads.db"),
                          reads=True)
    wanted = requests(source, commits + 5)
    till_times, raw_times, reads_times = [], [], []
    try:
        for n, request in enumerate(wanted):
            started = time.perf_counter()
            view = till.commit(request, gen_db.CASHIER[0])
            elapsed = time.perf_counter() - started
            rows = replay.rows(view.refund_no)
            raw, with_reads = replay.write(rows), replay_reads.write(rows)
            if n >= 5:  # the first few warm the caches of every side
                till_times.append(elapsed)
                raw_times.append(raw)
                reads_times.append(with_reads)
    finally:
        replay.close()
        replay_reads.close()
        till.engine.dispose()
    figure, baseline = median(till_times), median(raw_times)
    reads = median(reads_times)
    return within("refund commit", figure * 1000, baseline * 1000, "ms",
                  "raw sqlite3, same rows", LIMIT,
                  f"{len(till_times)} commits; till {spread(till_times, 1000, '{:.2f}')} ms, "
                  f"raw {spread(raw_times, 1000, '{:.2f}')} ms; raw with the commit's 4 reads "
                  f"{reads * 1000:.2f} ms (ratio {figure / reads:.2f})")


def run(quick: bool = False) -> list[Result]:
    return [measure(30 if quick else 300, 2_000 if quick else SALES)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_commit")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--commits", type=int)
    args = parser.parse_args(argv)
    results = run(args.quick) if args.commits is None else [measure(args.commits)]
    from .report import table

    print(table(results))
    log("")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
