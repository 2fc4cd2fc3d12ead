"""The results as a table (stdout) and as JSON (build/bench/results.json)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from .common import Result, bench_dir


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(results: list[Result]) -> str:
    rows = [("budget", "figure", "baseline", "ratio", "budget", "met")]
    for r in results:
        rows.append((r.name, f"{_num(r.figure)} {r.unit}",
                     f"{_num(r.baseline)} {r.unit} ({r.baseline_label})", f"{r.ratio:.2f}",
                     r.budget, "met" if r.met else "NOT MET"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in results:
        if r.detail:
            lines.append(f"  {r.name}: {r.detail}")
    return "\n".join(lines)


def machine() -> dict[str, str]:
    def lscpu(field: str) -> str:
        try:
            out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        except OSError:
            return "?"
        for line in out.splitlines():
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].strip()
        return "?"

    return {"python": sys.version.split()[0], "implementation": platform.python_implementation(),
            "nproc": str(os.cpu_count()), "cpu": lscpu("Model name"),
            "platform": platform.platform()}


def save(results: list[Result], quick: bool, path: Path | None = None) -> Path:
    path = path or bench_dir() / ("results-quick.json" if quick else "results.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine(), "quick": quick,
                                "results": [r.as_dict() for r in results]}, indent=2))
    return path
