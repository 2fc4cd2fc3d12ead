"""What the integrity tests share: a store of sales, random refund requests, worker processes,
the audit of the raw tables against the provider's ledger, and the figures files.

The audit reads the tables with plain SQL and recomputes every cap from the refund rows and
leg states itself; it never calls the engine, so a bug in the engine's arithmetic cannot hide
an over-refund from it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine, text

from cashier_tui.domain.views import REASONS, RefundRequest, SaleView
from cashier_tui.storage.db import write_tx
from cashier_tui.storage.models import Sale, SaleLine, Tender

ROOT = Path(__file__).resolve().parents[2]
FIGURES_DIR = ROOT / "build" / "integrity"

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=CST)
CASHIER, CASHIER_PIN = "C001", "13572468"
MANAGER, MANAGER_PIN = "M001", "24681357"

OPEN_STATES = ("pending", "sent", "unknown")
METHODS = ("card", "wechat", "alipay", "unionpay_qr")
# How the provider behaves for each original payment (see SimulatedGateway).
BEHAVIOUR_MIX = (["ok"] * 12 + ["decline_once"] * 2 + ["timeout_then_success"] * 2
                 + ["lost_once"] * 2 + ["decline"] + ["slow"])


# --- the store ---------------------------------------------------------------------------

@dataclass
class Store:
    receipts: list[str]
    script: dict[str, str]  # payment reference -> SimulatedGateway behaviour
    paid: dict[str, int] = field(default_factory=dict)  # reference -> amount paid


def seed_sales(engine: Engine, n: int, seed: int, *, units: tuple[int, int] = (1, 6),
               behaviours: list[str] | tuple[str, ...] = BEHAVIOUR_MIX,
               old: bool = True) -> Store:
    """``n`` sales with 1-4 lines and 1-3 tenders (cash, card, wallets, an unsettled card),
    some outside the refund window or too old for the provider, one voided."""
    rng = random.Random(seed)
    store = Store([], {})
    with write_tx(engine) as session:
        for i in range(n):
            receipt = f"S01-T02-20261120-{i + 1:04d}"
            lines = []
            for _ in range(rng.randint(1, 4)):
                qty = rng.randint(*units)
                price = rng.choice([199, 990, 1250, 3999, 12900, 29900, 59900])
                discount = rng.choice([0, 0, 0, 1, 7, 100]) if qty * price > 100 else 0
                lines.append((qty, price, discount, qty * price - discount))
            total = sum(x[3] for x in lines)
            parts = _split(rng, total, rng.choice([1, 1, 2, 2, 3]))
            age = timedelta(hours=1)
            if old and i % 10 == 7:
                age = timedelta(days=45)  # outside the 30-day window: approval
            if old and i % 10 == 9 and i > 10:
                age = timedelta(days=400)  # the provider refuses: cash with approval only
            sold_at = NOW - age
            status = "voided" if i == 5 and n > 8 else "completed"
            sale = Sale(receipt_no=receipt, sold_at=sold_at.astimezone(UTC),
                        utc_offset_min=480, store="S01", till="T02", cashier="C007",
                        currency="CNY", status=status, total=total,
                        source_hash=hashlib.sha256(receipt.encode()).hexdigest())
            session.add(sale)
            session.flush()
            for no, (qty, price, discount, net) in enumerate(lines, 1):
                session.add(SaleLine(sale_id=sale.id, line_no=no, sku=f"69012345{no:05d}",
                                     name=f"Item {i}.{no}", qty=qty, unit_price=price,
                                     discount=discount, net=net))
            for seq, amount in enumerate(parts, 1):
                method = "cash" if seq == len(parts) and rng.random() < 0.4 else \
                    rng.choice(METHODS)
                ref = None if method == "cash" else f"REF-{i + 1:03d}-{seq}"
                settled = not (method == "card" and rng.random() < 0.15)
                session.add(Tender(sale_id=sale.id, seq=seq, method=method, amount=amount,
                                   reference=ref,
                                   card_last4=f"{rng.randint(0, 9999):04d}"
                                   if method == "card" else None, settled=settled))
                if ref:
                    store.script[ref] = rng.choice(list(behaviours))
                    store.paid[ref] = amount
            store.receipts.append(receipt)
    return store


def _split(rng: random.Random, total: int, k: int) -> list[int]:
    k = max(1, min(k, total))
    cuts = sorted(rng.sample(range(1, total), k - 1)) if k > 1 else []
    edges = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(edges)]


def add_staff(till) -> None:
    till.add_cashier(CASHIER, "Li Na", "cashier", CASHIER_PIN)
    till.add_cashier(MANAGER, "Wang Fang", "manager", MANAGER_PIN)


def commit(till, request: RefundRequest):
    """Commit as the cashier; with the manager's approval when a rule asks for it."""
    from cashier_tui.domain.errors import ApprovalRequired
    from cashier_tui.domain.views import Approval

    try:
        return till.commit(request, CASHIER)
    except ApprovalRequired:
        return till.commit(request, CASHIER, Approval(MANAGER, MANAGER_PIN))


# --- random refunds ----------------------------------------------------------------------

def random_request(rng: random.Random, sale: SaleView, *, small: bool = False,
                   payout: str | None = None) -> RefundRequest:
    """A refund a cashier could ask for: full, by items or by amount; original or cash.
    Sometimes more than is left (another till got there first), which must be refused."""
    payout = payout or ("cash" if rng.random() < 0.25 else "original")
    reason = rng.choice(REASONS)
    extra = {"reason_text": "customer asked"} if reason == "other" else {}
    roll = rng.random()
    if roll < (0.05 if small else 0.2):
        return RefundRequest(sale.receipt_no, "full", payout, reason, **extra)
    if roll < 0.6 and sale.lines:
        items = {}
        for line in rng.sample(list(sale.lines), rng.randint(1, min(2, len(sale.lines)))):
            left = line.refundable_qty
            top = 1 if small else max(1, left)
            qty = rng.randint(1, top)
            if rng.random() < 0.1:
                qty = left + 1  # more than is left
            items[line.line_id] = qty
        return RefundRequest(sale.receipt_no, "items", payout, reason, items=items, **extra)
    left = max(1, sale.refundable)
    top = max(1, left // 10) if small or rng.random() < 0.5 else left
    amount = rng.randint(1, top)
    if rng.random() < 0.05:
        amount = left + rng.randint(1, 500)  # more than is left
    return RefundRequest(sale.receipt_no, "amount", payout, "price_adjustment", amount=amount)


# --- worker processes --------------------------------------------------------------------

def worker_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASHIER_TUI_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def start_worker(module: str, config: dict, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", module, json.dumps(config)], cwd=ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=worker_env(**env))


def run_together(module: str, configs: list[dict], timeout: float = 600) -> list[dict]:
    """Start one process per config, release them at once when all are ready (a barrier
    over their pipes), and collect the JSON each prints last."""
    procs = [start_worker(module, c) for c in configs]
    try:
        for p in procs:
            line = p.stdout.readline()
            if line.strip() != "READY":
                raise RuntimeError(f"worker did not start: {line!r} {p.stderr.read()}")
        for p in procs:
            p.stdin.write("GO\n")
            p.stdin.flush()
        results = []
        deadline = time.monotonic() + timeout
        for p in procs:
            out, err = p.communicate(timeout=max(1, deadline - time.monotonic()))
            if p.returncode != 0:
                raise RuntimeError(f"worker failed ({p.returncode}): {err[-3000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


# --- the audit ---------------------------------------------------------------------------

def _rows(conn, sql: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(sql))]


def read_ledger(path: str | Path) -> list[tuple]:
    """(key, reference, amount, state, attempts, refund_no) as the provider wrote them."""
    db = sqlite3.connect(str(path), timeout=30)
    try:
        return db.execute("SELECT idempotency_key, reference, amount, state, attempts, "
                          "refund_no FROM ledger ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:  # no call ever reached the provider
        return []
    finally:
        db.close()


def audit(engine: Engine, ledger_path: str | Path, *, reported: list[str] | None = None,
          expect_final: bool = True) -> dict:
    """Check every integrity rule from the raw rows; returns counts and the violations.

    ``reported``: refund numbers the workers said they committed (each must be stored once,
    and nothing else may be stored). ``expect_final``: every leg must be settled by now.
    """
    with engine.connect() as conn:
        sales = _rows(conn, "SELECT id, receipt_no, total, refunded, in_flight FROM sale")
        lines = _rows(conn, "SELECT id, sale_id, qty, net, refunded_qty, in_flight_qty, "
                      "refunded_amount, in_flight_amount FROM sale_line")
        tenders = _rows(conn, "SELECT id, sale_id, method, amount, reference, refunded, "
                        "in_flight FROM tender")
        refunds = _rows(conn, "SELECT id, refund_no, sale_id, amount, status, printed, "
                        "print_count FROM refund")
        rlines = _rows(conn, "SELECT refund_id, sale_line_id, qty, amount FROM refund_line")
        legs = _rows(conn, "SELECT id, refund_id, tender_id, action, amount, state, "
                     "idempotency_key, attempts FROM refund_leg")
        audited = _rows(conn, "SELECT refund_no, COUNT(*) FROM audit_event "
                        "WHERE kind = 'refund' GROUP BY refund_no")
    ledger = read_ledger(ledger_path)
    bad: dict[str, list[str]] = defaultdict(list)

    legs_of: dict[int, list[tuple]] = defaultdict(list)
    for leg in legs:
        legs_of[leg[1]].append(leg)
    tender_by_id = {t[0]: t for t in tenders}

    def fate(refund_id: int) -> str:  # what the refund's lines are, from its legs alone
        states = [x[5] for x in legs_of[refund_id]]
        if any(s in OPEN_STATES for s in states):
            return "in_flight"
        return "released" if states and all(s == "failed" for s in states) else "refunded"

    # Tenders: what succeeded and what is still open, from the legs.
    t_done: Counter = Counter()
    t_open: Counter = Counter()
    for leg in legs:
        if leg[5] == "succeeded":
            t_done[leg[2]] += leg[4]
        elif leg[5] in OPEN_STATES:
            t_open[leg[2]] += leg[4]
    for tid, _sid, _method, amount, ref, refunded, in_flight in tenders:
        if t_done[tid] > amount:
            bad["over_refund"].append(f"tender {tid} ({ref}) refunded {t_done[tid]} > paid "
                                      f"{amount}")
        elif t_done[tid] + t_open[tid] > amount:
            bad["over_refund"].append(f"tender {tid} refunded+in flight "
                                      f"{t_done[tid] + t_open[tid]} > paid {amount}")
        if (refunded, in_flight) != (t_done[tid], t_open[tid]):
            bad["counter_mismatch"].append(f"tender {tid}: stored {(refunded, in_flight)}, "
                                           f"legs say {(t_done[tid], t_open[tid])}")
    for sid, receipt, total, refunded, in_flight in sales:
        done = sum(t_done[t[0]] for t in tenders if t[1] == sid)
        held = sum(t_open[t[0]] for t in tenders if t[1] == sid)
        if done + held > total:
            bad["over_refund"].append(f"sale {receipt}: {done}+{held} > total {total}")
        if (refunded, in_flight) != (done, held):
            bad["counter_mismatch"].append(f"sale {receipt}: stored {(refunded, in_flight)}, "
                                           f"legs say {(done, held)}")

    # Lines: the units and amounts of every refund that is not all-failed.
    l_done: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    l_open: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for refund_id, line_id, qty, amount in rlines:
        where = {"refunded": l_done, "in_flight": l_open}.get(fate(refund_id))
        if where is not None:
            where[line_id][0] += qty
            where[line_id][1] += amount
    for lid, _sid, qty, net, r_qty, f_qty, r_amt, f_amt in lines:
        dq, da = l_done[lid]
        oq, oa = l_open[lid]
        if dq + oq > qty or da + oa > net:
            bad["over_refund"].append(f"line {lid}: {dq}+{oq} of {qty} units, {da}+{oa} of "
                                      f"{net}")
        if dq == qty and da != net:
            bad["per_unit"].append(f"line {lid}: all {qty} units refunded for {da}, net {net}")
        if (r_qty, f_qty, r_amt, f_amt) != (dq, oq, da, oa):
            bad["counter_mismatch"].append(f"line {lid}: stored {(r_qty, f_qty, r_amt, f_amt)}"
                                           f", refunds say {(dq, oq, da, oa)}")

    # Refunds: amounts, numbers, audit events, and the workers' own account.
    numbers = Counter(r[1] for r in refunds)
    keys = Counter(x[6] for x in legs)
    bad["duplicate"] += [f"refund number {n} x{c}" for n, c in numbers.items() if c > 1]
    bad["duplicate"] += [f"idempotency key {k} x{c}" for k, c in keys.items() if c > 1]
    events = dict(audited)
    for rid, no, _sid, amount, status, _printed, _count in refunds:
        own = legs_of[rid]
        if sum(x[4] for x in own) != amount:
            bad["counter_mismatch"].append(f"refund {no}: legs {sum(x[4] for x in own)} != "
                                           f"amount {amount}")
        if events.get(no, 0) != 1:
            bad["duplicate" if events.get(no, 0) > 1 else "lost"].append(
                f"refund {no}: {events.get(no, 0)} audit events")
        if expect_final and status == "pending":
            bad["lost"].append(f"refund {no} still pending after the sweep")
    if expect_final:
        bad["lost"] += [f"leg {x[0]} still {x[5]}" for x in legs if x[5] in OPEN_STATES]
    if reported is not None:
        told = Counter(reported)
        bad["duplicate"] += [f"{n} reported {c} times" for n, c in told.items() if c > 1]
        bad["lost"] += [f"{n} committed but not stored" for n in told if n not in numbers]
        bad["duplicate"] += [f"{n} stored but never reported" for n in numbers
                             if n not in told]

    # The provider's ledger against the database.
    leg_by_key = {x[6]: x for x in legs}
    refunded_at: Counter = Counter()
    for key, ref, amount, state, _attempts, refund_no in ledger:
        leg = leg_by_key.get(key)
        if state == "succeeded":
            refunded_at[ref] += amount
        if leg is None:
            bad["lost"].append(f"provider {state} key {key} ({refund_no}) unknown to the "
                               "database")
            continue
        tender = tender_by_id[leg[2]]
        if (amount, ref) != (leg[4], tender[4]):
            bad["ledger_mismatch"].append(f"key {key}: provider {amount} on {ref}, database "
                                          f"{leg[4]} on {tender[4]}")
        if state == "succeeded" and leg[5] != "succeeded" and (expect_final
                                                               or leg[5] == "failed"):
            bad["ledger_mismatch"].append(f"key {key}: provider refunded, database {leg[5]}")
    in_ledger = {row[0] for row in ledger if row[3] == "succeeded"}
    db_by_ref: Counter = Counter()
    held_by_ref: Counter = Counter()
    for leg in legs:
        if leg[3] != "cash" and leg[5] in OPEN_STATES:
            held_by_ref[tender_by_id[leg[2]][4]] += leg[4]
        if leg[3] != "cash" and leg[5] == "succeeded":
            db_by_ref[tender_by_id[leg[2]][4]] += leg[4]
            if leg[6] not in in_ledger:
                bad["ledger_mismatch"].append(f"key {leg[6]}: database succeeded, provider "
                                              "never refunded")
    for ref in set(refunded_at) | set(db_by_ref):
        paid = next((t[3] for t in tenders if t[4] == ref), 0)
        if refunded_at[ref] > paid:
            bad["over_refund"].append(f"provider refunded {refunded_at[ref]} > paid {paid} "
                                      f"on {ref}")
        if refunded_at[ref] > db_by_ref[ref] + held_by_ref[ref]:
            bad["ledger_mismatch"].append(f"{ref}: provider refunded {refunded_at[ref]}, "
                                          f"more than the database holds "
                                          f"{db_by_ref[ref]}+{held_by_ref[ref]}")
        elif expect_final and refunded_at[ref] != db_by_ref[ref]:
            bad["ledger_mismatch"].append(f"{ref}: provider {refunded_at[ref]}, database "
                                          f"{db_by_ref[ref]}")

    non_cash = [x for x in legs if x[3] != "cash"]
    return {
        "refunds_stored": len(refunds),
        "refunded_total": sum(t_done.values()),
        "legs": len(legs),
        "gateway_legs": len(non_cash),
        "legs_by_state": dict(Counter(x[5] for x in legs)),
        "ledger_keys": len(ledger),
        "ledger_refunded": sum(refunded_at.values()),
        "gateway_attempts": sum(x[7] for x in non_cash),
        "provider_calls_repeated": sum(max(0, row[4] - 1) for row in ledger),
        # sends the provider did not act on: answered from its ledger (the key was settled
        # there already) or lost with a till killed before the call reached it
        "sends_without_effect": sum(x[7] for x in non_cash) - sum(row[4] for row in ledger),
        "unprinted": sum(1 for r in refunds if not r[5]),
        "over_refunds_found": len(bad["over_refund"]),
        "duplicates_found": len(bad["duplicate"]),
        "lost_refunds_found": len(bad["lost"]),
        "ledger_mismatches_found": len(bad["ledger_mismatch"]),
        "counter_mismatches_found": len(bad["counter_mismatch"]) + len(bad["per_unit"]),
        "violations": {k: v[:20] for k, v in bad.items() if v},
    }


def write_figures(name: str, figures: dict) -> Path:
    """Write a test's figures to build/integrity/NAME.json (read by docs/RELIABILITY.md)."""
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURES_DIR / f"{name}.json"
    path.write_text(json.dumps({"test": name, "at": datetime.now(UTC).isoformat(
        timespec="seconds"), **figures}, indent=2, sort_keys=False, default=str) + "\n")
    return path
