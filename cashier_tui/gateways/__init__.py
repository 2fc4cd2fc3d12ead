"""Payment gateway adapters behind the RefundGateway port, registered by name.

``GATEWAYS`` maps a name to a factory ``(settings) -> RefundGateway``; the composition root
(:func:`cashier_tui.composition.build_services`) is the one place that picks one. A provider
registers itself the same way the built-in simulated one does below; its factory imports the
adapter only when it is called (nothing here is on the start path).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..registry import Registry

if TYPE_CHECKING:
    from ..settings import Settings
    from .base import RefundGateway

GatewayFactory = Callable[["Settings"], "RefundGateway"]
GATEWAYS: Registry[GatewayFactory] = Registry("payment gateway")


def _simulated(settings: Settings) -> RefundGateway:
    from .simulated import SimulatedGateway

    return SimulatedGateway()


GATEWAYS.register("simulated", _simulated)
