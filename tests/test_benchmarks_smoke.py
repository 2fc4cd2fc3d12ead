"""Every benchmark script runs and gives figures (tiny numbers: no timing is asserted here).

The budgets themselves are measured by ``make bench`` (``python -m benchmarks``); this only
keeps the scripts working as the code under them changes. Everything they generate goes to
a temporary directory (``CASHIER_BENCH_DIR``), never build/bench.
"""

from __future__ import annotations

import math
import sys

import pytest

from benchmarks import (
    bench_commit,
    bench_import,
    bench_memory,
    bench_scan,
    bench_startup,
    gen_db,
)
from benchmarks.common import Result
from benchmarks.report import table

SALES = 200


@pytest.fixture(scope="module", autouse=True)
def bench_dir(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASHIER_BENCH_DIR", str(path))
        yield path


def figures(results: list[Result], count: int = 1) -> None:
    assert len(results) == count
    for r in results:
        assert isinstance(r, Result)
        assert r.figure >= 0 and r.baseline > 0 and math.isfinite(r.ratio), r
        assert isinstance(r.met, bool)
    assert all(r.name in table(results) for r in results)


def test_generator_is_deterministic_and_imports_every_sale(bench_dir):
    path = gen_db.sales_db(SALES)
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        stored = [r[0] for r in conn.execute("SELECT receipt_no FROM sale ORDER BY id")]
        staff = conn.execute("SELECT count(*) FROM cashier").fetchone()[0]
    finally:
        conn.close()
    assert stored == gen_db.receipts(SALES) and staff == 2
    assert list(gen_db.sales(3)) == list(gen_db.sales(3))
    assert gen_db.sales_db(SALES) == path  # cached


def test_commit():
    figures([bench_commit.measure(3, SALES)])


def test_import():
    figures([bench_import.measure(SALES, 1)])


def test_scan():
    figures([bench_scan.measure(2, SALES)])


def test_memory():
    figures(bench_memory.measure(SALES, warmup=2, refunds=2), 2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty and /proc: Linux")
def test_startup():
    figures(bench_startup.measure(1), 2)
