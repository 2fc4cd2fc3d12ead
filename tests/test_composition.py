"""The composition root: build_services is the one place the till's adapters are chosen."""

from __future__ import annotations

import dataclasses

import pytest

from cashier_tui import composition, gateways
from cashier_tui.app import make_app
from cashier_tui.composition import Services, build_services
from cashier_tui.gateways import GATEWAYS
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.registry import Registry
from printers.service import PrintService
from printers.targets import FileTarget

from . import ui_fixtures as ui


@pytest.fixture
def built(tmp_path):
    made: list[Services] = []

    def build(**overrides) -> Services:
        made.append(build_services(ui.settings(tmp_path, **overrides)))
        return made[-1]

    yield build
    for services in made:
        services.close()


def test_the_settings_make_the_whole_till(built, tmp_path) -> None:
    services = built(printer=f"file:{tmp_path / 'paper.bin'}", till_id="t07")
    till = services.till
    assert (till.store, till.till_id, till.training) == ("S01", "T07", False)
    assert services.clock is till.clock and services.gateway is till.gateway
    assert isinstance(till.gateway, SimulatedGateway)  # the default, chosen by its name
    assert services.codec is not None and till.codec is services.codec  # given, not set after
    assert isinstance(services.printer, PrintService) and not services.printer.training
    assert services.printer.target == FileTarget(tmp_path / "paper.bin",
                                                 uri=f"file:{tmp_path / 'paper.bin'}")
    assert services.printer.codec is services.codec and services.demo is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.till = None  # type: ignore[misc]


def test_the_gateway_comes_from_the_registry_by_name(built, monkeypatch) -> None:
    chosen = SimulatedGateway()
    scratch: Registry = Registry("payment gateway")  # the built-in ones, and one more
    for name, factory in GATEWAYS.items():
        scratch.register(name, factory)
    scratch.register("test-provider", lambda settings: chosen)
    monkeypatch.setattr(gateways, "GATEWAYS", scratch)
    monkeypatch.setattr(composition, "DEFAULT_GATEWAY", "test-provider")
    assert built().till.gateway is chosen


def test_a_bad_printer_setting_is_said_when_printing_the_till_still_opens(built,
                                                                          tmp_path) -> None:
    settings = ui.settings(tmp_path, printer="parallel:/dev/lp0")
    services = built(printer="parallel:/dev/lp0")
    assert services.printer is None and "is not a printer address" in services.printer_problem
    app = make_app(settings, lambda s: services, stable=True)
    with pytest.raises(ValueError, match="is not a printer address"):
        app.printer  # noqa: B018 - printing catches this and says it (screens/printing.py)
    assert app.till is services.till


def test_demo_mode_is_a_private_copy_with_its_own_codec(tmp_path) -> None:
    services = composition.demo_services(ui.settings(tmp_path, demo=True),
                                         cache_dir=tmp_path / "cache")
    try:
        assert services.demo is not None and services.till is services.demo.till
        assert services.till.training and services.printer.training
        assert services.codec is not None and services.till.codec is services.codec
        assert services.demo.db_path.parent != tmp_path  # never the configured database
    finally:
        services.close()
    assert not services.demo.workdir.exists()


async def test_the_app_opens_its_services_behind_the_first_paint(tmp_path) -> None:
    calls = []

    def factory(settings):
        calls.append(settings)
        return build_services(settings)

    settings = ui.settings(tmp_path)
    app = make_app(settings, factory, open_in_worker=True, stable=True)
    assert app.services is None and calls == []
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == [settings] and app.till_ready.is_set()
        assert app.till is app.services.till
    app.services.close()
