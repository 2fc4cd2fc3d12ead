"""The demo's data (``data/scenarios.json``), read without the rest of demo mode.

The sign-in screen lists the training accounts at its first paint and the help screen the
practice scenarios; neither needs the demo database, the simulated gateway or the refund
engine that :mod:`cashier_tui.demo` brings (DESIGN.md §10: start-up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import data

# The data package's folder. Not importlib.resources: its readers (and zipfile) cost ~2 ms of
# a demo start, and a wheel installs the package as files, never zipped.
DATA = Path(data.__file__).parent


@dataclass(frozen=True)
class DemoData:
    """``data/scenarios.json``: the demo clock, accounts, scripted gateway, seeds, tasks."""

    clock: datetime
    store: str
    till: str
    accounts: tuple[dict[str, str], ...]
    gateway_script: dict[str, str]
    seed_refunds: tuple[dict[str, Any], ...]
    scenarios: tuple[dict[str, Any], ...]

    @classmethod
    def load(cls) -> DemoData:
        raw = json.loads(DATA.joinpath("scenarios.json").read_text(encoding="utf-8"))
        return cls(
            clock=datetime.fromisoformat(raw["demo_clock"]),
            store=raw["store"], till=raw["till"],
            accounts=tuple(raw["accounts"]),
            gateway_script=dict(raw["gateway_script"]),
            seed_refunds=tuple(raw["seed_refunds"]),
            scenarios=tuple(raw["scenarios"]),
        )
