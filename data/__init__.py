"""Demo data (DESIGN.md §4 format), shipped in the wheel as ``cashier_tui.data``."""
