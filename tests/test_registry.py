"""Adapters are chosen by name from a registry per port; a third party registers the same way
the built-in ones do (gateways, printer targets)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cashier_tui.gateways import GATEWAYS
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.registry import Registry, UnknownAdapter
from printers import targets
from printers.targets import TARGETS, VoucherTarget, parse_target, register_target


def test_a_name_means_one_adapter_and_an_unknown_name_lists_the_known() -> None:
    ports: Registry = Registry("widget")
    ports.register("a", lambda: 1)
    with pytest.raises(ValueError, match="registered already"):
        ports.register("a", lambda: 2)
    ports.register("a", lambda: 3, replace=True)
    assert ports.get("a")() == 3 and list(ports) == ["a"] and "a" in ports
    with pytest.raises(UnknownAdapter, match="no widget named 'b'; one of: a"):
        ports.get("b")


def test_the_simulated_gateway_is_registered_by_name() -> None:
    assert isinstance(GATEWAYS.get("simulated")(None), SimulatedGateway)


def test_the_built_in_printer_schemes_are_registered_in_order() -> None:
    assert list(TARGETS) == ["preview", "file", "tcp", "usb", "serial", "lp"]
    assert targets.FORMS == targets.forms()


@dataclass
class _Parallel(VoucherTarget):
    device: str
    uri: str = ""

    def send(self, data: bytes, timeout_s: float) -> None:  # pragma: no cover - not sent
        raise NotImplementedError


def test_a_third_party_printer_scheme_plugs_in(monkeypatch) -> None:
    scratch: Registry = Registry("printer target")  # the test's own copy of the schemes
    for name, scheme in TARGETS.items():
        scratch.register(name, scheme)
    monkeypatch.setattr(targets, "TARGETS", scratch)
    with pytest.raises(ValueError, match="is not a printer address"):
        parse_target("parallel:/dev/lp0")
    register_target("parallel", "parallel:DEVICE",
                    lambda text, parts, profile: _Parallel(parts.path, uri=text)
                    if parts.path else None)
    assert parse_target("parallel:/dev/lp0") == _Parallel("/dev/lp0", uri="parallel:/dev/lp0")
    with pytest.raises(ValueError, match=r"lp://QUEUE, parallel:DEVICE"):
        parse_target("parallel:")
