"""The printer profiles the till knows: the one table (DESIGN.md §7).

A profile is a python-escpos profile name; the till lays vouchers out for its paper. Settings
check ``printer_profile`` against :data:`PROFILES`; the layout, the print service and the
targets read it. No imports: the settings read it before the first screen is painted.
"""

from __future__ import annotations

from typing import NamedTuple


class Profile(NamedTuple):
    paper_mm: int
    columns: int  # characters of font A on a line


PROFILES = {"TM-T20II": Profile(80, 48), "POS-5890": Profile(58, 32)}
DEFAULT_PROFILE = "TM-T20II"
