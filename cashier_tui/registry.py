"""A registry of adapters by name: one per port (gateways, printer targets).

An adapter is registered under a name with a factory; the composition root
(:mod:`cashier_tui.composition`) picks one by that name. The built-in adapters register
themselves the way a third party would (``GATEWAYS.register("simulated", factory)``), and a
factory imports its adapter only when it is called, so a registry costs nothing at start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

F = TypeVar("F", bound=Callable[..., object])


class UnknownAdapter(LookupError):
    """No adapter of that name; the message lists the names there are."""


class Registry(Generic[F]):
    """Factories of one port's adapters, in the order they were registered."""

    def __init__(self, port: str) -> None:
        self.port = port
        self._factories: dict[str, F] = {}

    def register(self, name: str, factory: F, *, replace: bool = False) -> F:
        """Add ``factory`` under ``name``; a second adapter of the same name is refused
        unless ``replace`` (a name means one adapter)."""
        if name in self._factories and not replace:
            raise ValueError(f"a {self.port} named {name!r} is registered already")
        self._factories[name] = factory
        return factory

    def get(self, name: str) -> F:
        try:
            return self._factories[name]
        except KeyError:
            raise UnknownAdapter(f"there is no {self.port} named {name!r}; "
                                 f"one of: {', '.join(self)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def items(self) -> list[tuple[str, F]]:
        return list(self._factories.items())
