"""The command palette (ctrl+p): the keys of the screen it was opened over, as commands.

Built from the screen's active bindings, so the palette and the Footer always agree and a
screen's commands come and go with its keys.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Provider

from cashier_tui.i18n import _

from .widgets import shown_bindings


class ScreenCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object, str]]:
        found = []
        seen: set[str] = set()
        for node, binding, enabled in shown_bindings(self.screen):
            # The keys the Footer shows (not a widget's hidden cursor keys), palette aside.
            if (not enabled or not binding.description or binding.action in seen
                    or binding.action in ("command_palette", "app.command_palette")):
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            found.append((_(binding.description), key, node, binding.action))
        return found

    async def discover(self) -> AsyncIterator[DiscoveryHit]:
        for description, key, node, action in self._commands():
            yield DiscoveryHit(description, partial(self.app.run_action, action, node),
                               help=key)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for description, key, node, action in self._commands():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, matcher.highlight(description),
                          partial(self.app.run_action, action, node), help=key)
