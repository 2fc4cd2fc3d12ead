"""Pilot: the reply to the refund's commit is lost (issue 17.1). The screen never says
"nothing was changed": it says the refund may have been saved and checks by the request
key; it goes on with the refund it finds, or says plainly it was not saved, and R commits
again with the same key, which never makes a second refund.

The fault is injected at the COMMIT of the till's own SQLite database (a statement
listener commits, or not, then fails like a broken disk or connection would)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, func, select

from screens.done import DoneScreen
from screens.processing import ProcessingScreen
from screens.widgets import ErrorLine

from . import ui_fixtures as ui
from .ui_fixtures import FULL, settle

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures
SIZE = (80, 24)


class LostReply:
    """At the next COMMIT: store the refund (or not), then fail. ``check_fails``: the
    look-up by request key that follows fails once too (the database not back yet)."""

    def __init__(self, engine, *, store: bool, check_fails: bool = False) -> None:
        self.engine, self.store, self.check_fails = engine, store, check_fails
        self.commits = 0
        event.listen(engine, "before_cursor_execute", self)

    def __call__(self, conn, cursor, statement, *args):
        if statement == "COMMIT" and not self.commits:
            self.commits += 1
            cursor.connection.commit() if self.store else cursor.connection.rollback()
            raise sqlite3.OperationalError("disk I/O error")
        if self.check_fails and "refund.request_key =" in statement and self.commits:
            self.check_fails = False
            raise sqlite3.OperationalError("unable to open database file")

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self)


def refunds_of(rig) -> int:
    """Refunds of the sale FULL."""
    from cashier_tui.storage.db import read_tx
    from cashier_tui.storage.models import Refund, Sale

    with read_tx(rig.till.engine) as session:
        return session.connection().execute(
            select(func.count()).select_from(Refund).join(Sale, Sale.id == Refund.sale_id)
            .where(Sale.receipt_no == FULL)).scalar()


def said(app) -> str:
    return app.screen.query_one("#error", ErrorLine).text


async def confirm_full_refund(pilot) -> None:
    await ui.confirm_full_refund(pilot, FULL)


@pytest.mark.parametrize("store", [True, False])
async def test_the_screen_checks_then_r_finds_the_first_refund(rig_factory, store) -> None:
    rig = rig_factory()
    app = rig.app
    fault = LostReply(rig.till.engine, store=store, check_fails=True)
    seen: list[object] = []
    try:
        async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
            await confirm_full_refund(pilot)
            screen = app.screen
            assert isinstance(screen, ProcessingScreen) and screen.refund is None
            assert any(isinstance(m, ProcessingScreen.Checking) for m in seen)
            text = said(app)
            assert "may have been saved" in text and "Press R to check again" in text
            assert "nothing was changed" not in text.lower()
            assert refunds_of(rig) == int(store)
            await pilot.press("r")  # the same request key: found, or made once now
            await settle(pilot)
            assert isinstance(app.screen, DoneScreen)
            assert app.screen.refund.status == "completed"
    finally:
        fault.remove()
    assert refunds_of(rig) == 1
    assert [e.attempts for e in rig.gateway.ledger()] == [1]  # one leg, sent once


async def test_a_refund_found_after_a_lost_reply_goes_on_by_itself(rig_factory) -> None:
    rig = rig_factory()
    app = rig.app
    fault = LostReply(rig.till.engine, store=True)
    seen: list[object] = []
    try:
        async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
            await confirm_full_refund(pilot)
            assert any(isinstance(m, ProcessingScreen.Checking) for m in seen)
            assert isinstance(app.screen, DoneScreen)
    finally:
        fault.remove()
    assert refunds_of(rig) == 1 and len(rig.gateway.ledger()) == 1


@pytest.mark.parametrize("again", ["r", "confirm", "edit"])
async def test_a_refund_not_saved_says_so_and_is_made_once_with_the_same_key(
        rig_factory, again) -> None:
    """R, or Esc and Enter, y from the same details screen: the second commit carries the
    first one's key (so it would find a refund the first one stored, never a second).
    ``edit``: the note changed after Esc is another request, with a new key; before, the
    first key was kept whatever was edited, and the repeat returned the first refund."""
    rig = rig_factory()
    app = rig.app
    fault = LostReply(rig.till.engine, store=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await confirm_full_refund(pilot)
            assert isinstance(app.screen, ProcessingScreen)
            first_key = app.screen.request.request_key
            assert said(app) == ("The refund was not saved. Press R to try again, or Esc "
                                 "to go back.")
            assert first_key and refunds_of(rig) == 0
            if again == "r":
                await pilot.press("r")
            else:
                await pilot.press("escape")
                await settle(pilot)
                app.screen.query_one("#note").focus()
                await pilot.press(*("box torn" if again == "edit" else ""), "enter")
                await settle(pilot)
                await pilot.press("y")
            await settle(pilot)
            assert isinstance(app.screen, DoneScreen)
            found = rig.till.find_by_request_key(first_key, FULL)
            if again == "edit":
                assert found is None and app.screen.refund.note == "box torn"
            else:
                assert found.refund_no == app.screen.refund.refund_no
    finally:
        fault.remove()
    assert refunds_of(rig) == 1 and len(rig.gateway.ledger()) == 1


@pytest.mark.parametrize("store", [True, False])
async def test_a_lost_reply_to_r_on_a_declined_refund_is_checked(rig_factory, monkeypatch,
                                                                 store) -> None:
    """attack-e D2 on the screen. Before: "The database is busy or cannot be reached.
    Nothing was changed: try again" while the leg was already pending (the sweep then sent
    it, and the cashier had refunded the rest in cash). Now: "may have been saved;
    checking", the refund read under its sale's lock, sent on if the retry was stored, or
    "not retried" said plainly (and R then retries it)."""
    rig = rig_factory()
    app = rig.app
    engine = rig.till.engine
    commit, armed = engine.dialect.do_commit, []

    def lose(dbapi_conn):
        if armed:
            armed.clear()
            (dbapi_conn.commit if store else dbapi_conn.rollback)()
            raise sqlite3.OperationalError("disk I/O error")
        commit(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_commit", lose)
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await ui.confirm_full_refund(pilot, ui.DECLINE)
        assert isinstance(app.screen, ProcessingScreen)
        assert app.screen.refund.status == "failed"
        armed.append(True)
        await pilot.press("r")
        await settle(pilot)
        assert not armed and any(isinstance(m, ProcessingScreen.Checking) for m in seen)
        if not store:
            assert isinstance(app.screen, ProcessingScreen)
            text = said(app)
            assert text == ("The retry was not saved: nothing was retried and nothing was "
                            "sent. Press R to try again.")
            assert rig.till.get_refund(app.screen.refund.refund_no).status == "failed"
            await pilot.press("r")
            await settle(pilot)
        assert isinstance(app.screen, DoneScreen)
        assert app.screen.refund.status == "completed"
    ledger = rig.gateway.ledger()
    assert len(ledger) == 1 and ledger[0].attempts == 2  # declined once, then refunded once
