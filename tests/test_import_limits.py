"""Lines that broke ``import-sales`` with a traceback (issue 17.4): a 5,000-digit number
(Python's int limit), nesting 1,000 deep (RecursionError), a NUL in a text (PostgreSQL's
DataError, SQL and parameters dumped). Each is exit 2, naming line and field; nothing stored.
Run as a user runs it, in a subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from cashier_tui.import_fast import fast_check
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.cli_fixtures import run_cli
from tests.import_fixtures import dump, sale, write_jsonl


def line_with(old: str, new: str) -> str:
    raw = json.dumps(sale(2), ensure_ascii=False)
    assert old in raw
    return raw.replace(old, new, 1)


HUGE = ("5,000-digit qty", line_with('"qty": 2', '"qty": ' + "7" * 5000), "lines[0].qty",
        "must be a whole number from 1 to 1000000")
DEEP = ("nesting 1,000 deep", line_with('"qty": 2', '"qty": ' + "[" * 1000 + "]" * 1000),
        "lines[0].qty", "is nested more than 64 levels deep")
DEEP_OBJECT = ("objects 1,000 deep", line_with('"store": "S01"', '"store": ' + '{"a":' * 1000
                                               + "1" + "}" * 1000), "store.a.a",
               "is nested more than 64 levels deep")
HUGE_PRICE = ("5,000-digit price", line_with('"unit_price": "59.00"', '"unit_price": '
                                             + "9" * 5000), "lines[0].unit_price",
              "must be a decimal string such as \"12.50\", not a JSON number")
NULS = [(f"NUL in {field}", line_with(old, new), field, "must not contain a NUL character")
        for old, new, field in [
            ('"name": "保温杯 500ml"', '"name": "保温杯\\u0000"', "lines[0].name"),
            ('"sku": "6901234567892"', '"sku": "690\\u00001"', "lines[0].sku"),
            ('"store": "S01"', '"store": "S\\u00001"', "store"),
            ('"reference": "AUTH123456"', '"reference": "AUTH\\u0000"',
             "payments[0].reference"),
            ('"cashier": "C007"', '"cashier": "C\\u0000"', "cashier")]]
CASES = [HUGE, DEEP, DEEP_OBJECT, HUGE_PRICE, *NULS]


def check_rejected(home, db_args: list[str], engine, case) -> None:
    _, bad, field, message = case
    assert fast_check(bad.encode()) is None
    path = write_jsonl(home / "s.jsonl", [sale(1), bad])
    before = dump(engine)
    done = run_cli(home, *db_args, "import-sales", str(path))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "[SQL" not in done.stderr
    assert f"{path}:2: {field}: {message}" in done.stderr, done.stderr
    assert dump(engine) == before


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_sqlite_rejects_each_with_line_and_field(tmp_path, case):
    db = tmp_path / "till.db"
    engine = make_engine(db)
    upgrade(engine)
    try:
        check_rejected(tmp_path, ["--db", str(db)], engine, case)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_rejects_a_nul_and_the_others_plainly(pg_server, tmp_path):
    url = pg_server.create_database("import_limits")
    engine = make_engine(url)
    upgrade(engine)
    try:
        for case in [HUGE, DEEP, *NULS]:
            check_rejected(tmp_path, ["--db", url], engine, case)
        ok = run_cli(tmp_path, "--db", url, "import-sales",
                     str(write_jsonl(tmp_path / "ok.jsonl", [sale(1)])))
        assert ok.returncode == 0, ok.stderr
    finally:
        engine.dispose()
