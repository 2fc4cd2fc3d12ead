"""Keys typed in a burst reach the screens one at a time, in order (issue 16.11).

A terminal hands the app a burst of keys at once (a scanner's code and Enter, a cashier's
F3, Tab and a date). Textual forwards each key to the widget focused *when the app reads
it*, so keys read before a screen change has finished land on the old screen: F3, Tab and
text put the text in the wrong box; a receipt number, Enter and ``i`` gave "1018i".

:class:`TypeAhead` (mixed into the App) keeps the keys in a queue and hands over the next
one only after the screen has settled from the one before (``call_after_refresh``: every
message processed and the screen repainted), so a key typed behind a screen change goes
to the new screen, with its focus. A screen that starts work which will change the screen
(a lookup in a worker) sets ``holds_keys`` meanwhile and calls :meth:`keys_free` when the
answer is shown: the keys typed during the wait then go to whatever the answer opened.
"""

from __future__ import annotations

import time
from collections import deque

from textual import events
from textual.widget import Widget
from textual.widgets import Input

SETTLE_TRIES = 50  # refreshes to wait for a busy widget before the next key goes anyway
CALM = 3  # refreshes in a row with nothing to process: the key has been dealt with
STUCK_S = 0.25  # no hand-over for this long while keys wait: the callback was dropped


class TypeAhead:
    """App mixin: one key at a time, each to the screen the previous one left."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._ahead: deque[events.Key] = deque()
        self._handing = False  # a key was handed over; the next waits for the refresh
        self._moved = 0.0  # when the queue last moved (monotonic seconds)
        self._watchdog = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._ahead.append(event)
            if self._watchdog is None:
                self._watchdog = self.set_interval(  # type: ignore[attr-defined]
                    STUCK_S / 2, self._unstick, name="typeahead-watchdog")
            if not self._handing:
                await self._hand_over()
            return
        await super().on_event(event)  # type: ignore[misc]

    async def _hand_over(self) -> None:
        self._handing = False
        self._moved = time.monotonic()
        if not self._ahead or getattr(self.screen, "holds_keys", False):
            return  # nothing typed, or held until keys_free()
        event = self._ahead.popleft()
        self._handing = True
        target = self.focused or self.screen  # type: ignore[attr-defined]
        await super().on_event(event)  # type: ignore[misc]
        # A character typed into an input changes nothing else: the next key may follow at
        # once (a scan stays as fast as before); any other key waits for things to settle.
        while (self._ahead and self._ahead[0].is_printable and isinstance(target, Input)
               and event.is_printable and self.focused is target):  # type: ignore[attr-defined]
            event = self._ahead.popleft()
            await super().on_event(event)  # type: ignore[misc]
        self._after(target, SETTLE_TRIES, CALM + 1)

    def _after(self, target: Widget, tries: int, calm: int) -> None:
        """Hand over the next key once the key just handed to ``target`` is done with: its
        widget, every widget it bubbles through, the app and the screen now shown had
        nothing left to process for ``CALM`` refreshes in a row (an Enter's Submitted, the
        action it runs, a binding's push_screen, all pass through several queues)."""
        self._moved = time.monotonic()
        nodes = [node for node in (*target.ancestors_with_self, self.screen,
                                   self.focused)  # type: ignore[attr-defined]
                 if node is not None]
        calm = CALM if any(node.message_queue_size for node in nodes) else calm - 1
        if calm > 0 and tries > 0:
            self.call_after_refresh(self._after, target, tries - 1,  # type: ignore[attr-defined]
                                    calm)
        else:
            self.call_after_refresh(self._hand_over)  # type: ignore[attr-defined]

    async def _unstick(self) -> None:
        """``call_after_refresh`` parks its callback on the screen shown at that moment; a
        screen removed before it repaints drops it, and every later key would wait for good
        (a till that stops answering its keyboard). Hand over again when nothing moved."""
        if ((self._handing or self._ahead)
                and time.monotonic() - self._moved > STUCK_S):
            await self._hand_over()

    @property
    def keys_pending(self) -> bool:
        """Keys typed and not yet handed to a screen (tests wait for none, as for workers)."""
        return bool(self._ahead) or self._handing

    def keys_free(self) -> None:
        """A screen's wait is over: hand over the keys typed during it (after the refresh,
        so they reach the screen the wait's answer opened)."""
        if not self._handing:
            self._handing = True
            self.call_after_refresh(self._hand_over)  # type: ignore[attr-defined]
