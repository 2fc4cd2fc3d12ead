"""Print the figures of the last ``make integrity`` run (build/integrity/*.json) as the
Markdown tables of docs/RELIABILITY.md:

    .venv/bin/python -m tests.integrity.report
"""

from __future__ import annotations

import json
import sys

from tests.integrity.common import FIGURES_DIR

FOUND = ("over_refunds_found", "duplicates_found", "lost_refunds_found",
         "ledger_mismatches_found", "counter_mismatches_found")


def load(name: str) -> dict | None:
    path = FIGURES_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def found(f: dict) -> list[object]:
    return [f[k] for k in FOUND]


def found_words(f: dict) -> str:
    names = ("over-refunds", "duplicates", "lost refunds", "ledger ≠ db", "counters ≠ rows")
    return ", ".join(f"{n} {name}" for n, name in zip(found(f), names, strict=True))


def concurrency() -> list[str]:
    out = [row("database", "processes", "attempted", "committed", "refused (why)",
               "manager approvals", "gateway legs / sends / sends without effect",
               "over-refunds", "duplicates", "lost", "ledger ≠ db", "counters ≠ rows",
               "seconds"),
           row(*["---"] * 13)]
    for name, label in (("concurrency_sqlite", "SQLite file"),
                        ("concurrency_postgres", "PostgreSQL")):
        f = load(name)
        if f:
            why = ", ".join(f"{k} {v}" for k, v in f["refused"].items())
            out.append(row(label, f["processes"], f["refunds_attempted"],
                           f["refunds_committed"], why, f["approved_by_manager"],
                           f"{f['gateway_legs']} / {f['gateway_attempts']} / "
                           f"{f['sends_without_effect']}", *found(f), f["seconds"]))
    return out


def crash(name: str) -> list[str]:
    f = load(name)
    if not f:
        return []
    out = [row("step", "processes", "kills", "refunds committed", "stored", "final",
               "open legs left by kills", "vouchers unprinted by kills / printed at restart",
               "provider acted twice", "over-refunds", "duplicates", "lost", "ledger ≠ db",
               "counters ≠ rows"),
           row(*["---"] * 14)]
    for s in f["steps"]:
        out.append(row(s["step"], s["processes"], s["kills"], s["refunds_committed"],
                       s["refunds_stored"], s["refunds_final"], s["open_legs_left_by_crashes"],
                       f"{s['unprinted_left_by_crashes']} / {s['printed_at_restarts']}",
                       s["provider_acted_more_than_once"], *found(s)))
    total = sum(s["kills"] for s in f["steps"])
    out.append(f"\n{total} kills in {f['seconds']} s.")
    return out


def faults() -> list[str]:
    out = []
    lock = load("faults_sqlite_lock")
    if lock:
        out.append(f"- SQLite locked by another writer (busy timeout {lock['busy_timeout_s']}"
                   f" s): {lock['store_unavailable']} calls refused with StoreUnavailable "
                   f"after waiting {', '.join(map(str, lock['waits']))} s; tables unchanged "
                   f"each time; afterwards {lock['refunds_stored']} refund completed; "
                   f"found: {found_words(lock)}.")
    pg = load("faults_postgres_restart")
    if pg:
        out.append(f"- PostgreSQL stopped and started {pg['cycles']} times mid-session: "
                   f"{pg['store_unavailable']} calls refused with StoreUnavailable (slowest "
                   f"refusal {pg['slowest_refusal_s']} s), {pg['committed']} refunds "
                   f"committed and settled by the same Till; found: "
                   f"{found_words(pg)}.")
    gw = load("faults_gateway_timeouts")
    if gw:
        t = gw["timeouts"]
        out.append(f"- Provider timeouts: {gw['refunds_attempted']} refunds attempted, "
                   f"{gw['refunds_committed']} committed, {t['submit']} requests lost, "
                   f"{t['submitted']} replies lost, {t['query']} queries lost; "
                   f"{gw['unknown_legs_seen']} unknown legs seen by the cashier, "
                   f"{gw['retries']} retries; legs at the end: "
                   f"{', '.join(f'{k} {v}' for k, v in gw['legs_by_state'].items())} "
                   f"({gw['gateway_legs']} through the provider); "
                   f"provider acted more than once on a key: "
                   f"{gw['provider_acted_more_than_once']}; found: "
                   f"{found_words(gw)}.")
    return out


def fuzz() -> list[str]:
    f = load("fuzz")
    if not f:
        return []
    out = [row("input", "examples", "outcomes", "seconds"), row(*["---"] * 4)]
    for name in ("scan", "amount", "refund", "import"):
        part = dict(f[name])
        examples, seconds = part.pop("examples"), part.pop("seconds")
        out.append(row(name, examples, ", ".join(f"{k} {v}" for k, v in part.items()),
                       seconds))
    return out


def main() -> int:
    sections = [("Concurrency", concurrency()), ("Crashes (SQLite)", crash("crash")),
                ("Crashes (PostgreSQL)", crash("crash_postgres")), ("Faults", faults()),
                ("Bad input", fuzz())]
    for title, lines in sections:
        print(f"### {title}\n")
        print("\n".join(lines) if lines else "(no figures: run make integrity)")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
