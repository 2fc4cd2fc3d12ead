"""A card number typed into a refund's note is refused inline, next to the note, and nothing
is committed (issue 17.3), in English and Chinese."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from screens.details import DetailsScreen
from screens.widgets import ErrorLine

from . import ui_fixtures as ui
from .ui_fixtures import FULL, choose_reason, enter, scan, settle, sign_in

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures


@pytest.mark.parametrize(("lang", "message"), [
    ("en", "This looks like a full card number: write at most its last 4 digits."),
    ("zh", "这像是完整的卡号：最多只能写卡号后 4 位。"),
])
async def test_a_card_number_in_the_note_is_refused_inline(rig_factory, lang, message):
    rig = rig_factory(lang=lang)
    app = rig.app
    before = refunds(rig)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await scan(pilot, FULL)
        await pilot.press("f")
        await settle(pilot)
        await choose_reason(pilot)
        await enter(pilot, "#note", "card 4111.1111.1111.1111 exp 12/28")
        await settle(pilot)
        assert isinstance(app.screen, DetailsScreen)  # no confirmation asked
        assert app.screen.query_one("#err-note", ErrorLine).text == message
        await enter(pilot, "#note", "customer kept the receipt")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "ConfirmModal"
    assert refunds(rig) == before  # nothing was committed


def refunds(rig) -> int:
    with rig.till.engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM refund")).scalar()
