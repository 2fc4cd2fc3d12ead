"""What every benchmark shares: where things are, results as budgets, medians, isolation.

A benchmark measures one budget of DESIGN.md §10 as a *ratio* against a baseline measured in
the same run on the same machine (or, for the scan and memory budgets, against a fixed
limit). Each returns :class:`Result` rows; ``python -m benchmarks`` prints them as a table.
"""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def bench_dir() -> Path:
    """Where generated databases, caches and results go: build/bench (gitignored), or
    ``$CASHIER_BENCH_DIR`` (the smoke test points it at a temporary directory)."""
    return Path(os.environ.get("CASHIER_BENCH_DIR") or ROOT / "build" / "bench")


@dataclass(frozen=True)
class Result:
    """One budget: ``figure`` against ``baseline`` (a measured baseline or a fixed limit).

    ``ratio`` is figure / baseline for "within N x of" budgets (met when ratio <= limit) and
    figure / baseline for "at least 1/N of" budgets (met when ratio >= limit); ``budget`` says
    which in words.
    """

    name: str
    figure: float
    unit: str
    baseline: float
    baseline_label: str
    ratio: float
    budget: str
    met: bool
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def within(name: str, figure: float, baseline: float, unit: str, baseline_label: str,
           limit: float, detail: str = "") -> Result:
    """``figure`` must be at most ``limit`` times ``baseline`` (smaller is better)."""
    ratio = figure / baseline if baseline else float("inf")
    return Result(name, figure, unit, baseline, baseline_label, ratio,
                  f"<= {limit:g}x baseline", ratio <= limit, detail)


def at_least(name: str, figure: float, baseline: float, unit: str, baseline_label: str,
             limit: float, detail: str = "") -> Result:
    """``figure`` must be at least ``limit`` times ``baseline`` (bigger is better)."""
    ratio = figure / baseline if baseline else 0.0
    return Result(name, figure, unit, baseline, baseline_label, ratio,
                  f">= {limit:.3g}x baseline", ratio >= limit, detail)


def under(name: str, figure: float, limit: float, unit: str, detail: str = "") -> Result:
    """``figure`` must be below a fixed ``limit`` (ratio is figure / limit)."""
    return Result(name, figure, unit, limit, "limit", figure / limit, f"< {limit:g} {unit}",
                  figure < limit, detail)


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], scale: float = 1.0, fmt: str = "{:.1f}") -> str:
    """min..max of ``values`` for the detail column."""
    return f"{fmt.format(min(values) * scale)}..{fmt.format(max(values) * scale)}"


def bench_env(home: Path | None = None) -> dict[str, str]:
    """The environment for a till started by a benchmark: its own config, data, cache and
    log directories under build/bench (never the user's), English, no settings file, and
    byte-code cached as on an installed till (pip compiles a wheel's modules when it installs
    it; with PYTHONDONTWRITEBYTECODE inherited, every start would compile ours again)."""
    home = home or bench_dir() / "xdg"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASHIER_TUI_")}
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"
    env.pop("LANGUAGE", None)
    env["TERM"] = "xterm-256color"
    env["COLORTERM"] = "truecolor"
    env["PYTHONPATH"] = str(ROOT)
    env.pop("TEXTUAL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def interleave(runs: int, makers: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run each maker ``runs`` times, round-robin, so that the machine's load at any
    moment hits every variant alike; returns the samples by name."""
    samples: dict[str, list[float]] = {name: [] for name in makers}
    for _ in range(runs):
        for name, make in makers.items():
            samples[name].append(make())
    return samples


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
