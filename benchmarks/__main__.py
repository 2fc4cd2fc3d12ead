"""``python -m benchmarks [--quick] [--only NAME ...]``: every budget of DESIGN.md §10.

Prints each budget as met / NOT MET with its figure, baseline and ratio, and writes the same
to build/bench/results.json (results-quick.json with ``--quick``). ``--quick`` runs every
script with small numbers (a 20,000-sale database, a few runs): it keeps the scripts working
and says nothing about the budgets. The first full run generates the 1,000,000-sale database
(~1.5 min, ~550 MB under build/bench/); later runs reuse it. Exit code 0 when every budget
is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time

from . import bench_commit, bench_import, bench_memory, bench_scan, bench_startup
from .common import log
from .report import save, table

BENCHES = {
    "startup": bench_startup, "scan": bench_scan, "commit": bench_commit,
    "import": bench_import, "memory": bench_memory,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke run")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), metavar="NAME",
                        help=f"run only these ({', '.join(BENCHES)})")
    args = parser.parse_args(argv)
    results = []
    for name, module in BENCHES.items():
        if args.only and name not in args.only:
            continue
        started = time.perf_counter()
        log(f"== {name}")
        results.extend(module.run(args.quick))
        log(f"== {name}: {time.perf_counter() - started:.0f} s")
    print(table(results))
    path = save(results, args.quick)
    print(f"(written to {path})")
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
