"""cashier-tui: a keyboard-only refund till for the terminal."""

__version__ = "0.1.0"
