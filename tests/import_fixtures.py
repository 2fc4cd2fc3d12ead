"""Sales in the import format (DESIGN.md §4) for the import, export and CLI tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from sqlalchemy import text

BASE_SALE = {
    "receipt_no": "S01-T02-20261120-0042", "sold_at": "2026-11-20T14:03:00+08:00",
    "store": "S01", "till": "T02", "cashier": "C007", "currency": "CNY", "status": "completed",
    "lines": [{"sku": "6901234567892", "name": "保温杯 500ml", "qty": 2,
               "unit_price": "59.00", "discount": "10.00", "tax_rate": "0.13"}],
    "payments": [{"method": "card", "amount": "60.00", "reference": "AUTH123456",
                  "card_last4": "4321", "settled": True},
                 {"method": "cash", "amount": "48.00"}],
}


def sale(n: int = 42, **overrides: object) -> dict:
    """A valid sale with receipt number ``...-{n:04d}``; ``overrides`` replace top fields."""
    record = copy.deepcopy(BASE_SALE)
    record["receipt_no"] = f"S01-T02-20261120-{n:04d}"
    record.update(copy.deepcopy(overrides))
    return record


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    """One record per line; a ``str`` is written as it is (for broken lines)."""
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(record if isinstance(record, str) else json.dumps(record, ensure_ascii=False))
            fh.write("\n")
    return path


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of the sale tables, to prove that a rejected import changed nothing."""
    out = {}
    with engine.connect() as conn:
        for table in ("sale", "sale_line", "tender", "audit_event"):
            out[table] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
    return out
