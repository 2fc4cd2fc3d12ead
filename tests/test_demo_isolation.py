"""Demo mode never reaches anything real: not the store's printer, not its database."""

from __future__ import annotations

from cashier_tui.cli import _settings_from


def test_demo_prints_to_preview_even_when_the_store_has_a_printer(monkeypatch, tmp_path):
    monkeypatch.setenv("CASHIER_TUI_PRINTER", "tcp://192.0.2.10:9100")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert _settings_from([]).printer == "tcp://192.0.2.10:9100"
    assert _settings_from(["--demo"]).printer == "preview"


def test_demo_prints_to_a_printer_named_on_the_command_line(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert _settings_from(["--demo", "--printer", "tcp://127.0.0.1:9100"]).printer == \
        "tcp://127.0.0.1:9100"
