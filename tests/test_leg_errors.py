"""A declined or unanswered refund leg, said in the screen's language (issue 4).

The simulated provider's reason is English ("Declined by the provider."); a Chinese screen
words the leg's error code instead of showing it. A provider reason in the screen's own
language is still shown.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cashier_tui.domain.views import RefundRequest
from cashier_tui.i18n import set_language
from screens.processing import ProcessingScreen
from screens.refund import RefundScreen, next_steps
from screens.texts import leg_error_text
from tests.printer_fakes import sample_refund

from . import ui_fixtures as ui
from .ui_fixtures import CASHIER, DECLINE, TIMEOUT, settle, sign_in

rig_factory, seeded_db = ui.rig_factory, ui.seeded_db  # the fixtures
SIZE = (80, 24)


def leg(state: str, error: str | None = None):
    return replace(sample_refund().legs[0], state=state, error=error)


def test_error_code_from_the_leg_state() -> None:
    assert [leg(s).error_code for s in ("pending", "sent", "unknown", "succeeded", "failed")
            ] == [None, "timeout", "timeout", None, "declined"]


@pytest.mark.parametrize(("lang", "error", "said"), [
    ("en", "Declined by the provider.", "Card declined the refund: Declined by the provider."),
    ("zh", "Declined by the provider.", "银行卡拒绝了退款。"),
    ("zh", "余额不足", "银行卡拒绝了退款：余额不足"),  # the provider's own Chinese reason
    ("en", "余额不足", "Card declined the refund."),
    ("en", None, "Card declined the refund."),
])
def test_declined_wording(lang: str, error: str | None, said: str) -> None:
    try:
        set_language(lang)
        assert leg_error_text(leg("failed", error), lang) == said
    finally:
        set_language("en")


def test_timeout_wording_in_both_languages() -> None:
    no_answer = "No answer from the payment provider. Retry to ask again."
    try:
        set_language("zh")
        refund = sample_refund(legs=(leg("unknown", no_answer),), status="pending")
        text = next_steps(refund, "zh")
        assert text.startswith("银行卡尚未答复（超时）。") and "No answer" not in text
        set_language("en")
        assert next_steps(refund, "en").startswith("Card has not answered yet (timeout).")
    finally:
        set_language("en")


refund_of = ui.confirm_full_refund


async def test_chinese_decline_and_timeout_on_the_processing_screen(rig_factory) -> None:
    for receipt, expected in ((DECLINE, "银行卡拒绝了退款。"),
                              (TIMEOUT, "银行卡尚未答复（超时）。")):
        app = rig_factory(lang="zh").app
        async with app.run_test(size=SIZE) as pilot:
            await refund_of(pilot, receipt)
            assert isinstance(app.screen, ProcessingScreen)
            account = str(app.screen.query_one("#account").content)
            assert expected in account
            assert "provider" not in account and "No answer" not in account


async def test_chinese_refund_screen_of_a_declined_refund(rig_factory) -> None:
    rig = rig_factory(lang="zh")
    failed = rig.till.commit(RefundRequest(receipt_no=DECLINE, kind="full",
                                           reason="defective"), CASHIER)
    assert rig.till.process(failed.refund_no).legs[0].error == "Declined by the provider."
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("f5", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RefundScreen)
        said = str(app.screen.query_one("#refund-next").content)
        assert said.startswith("银行卡拒绝了退款。") and "Declined" not in said


async def test_english_decline_keeps_the_provider_reason(rig_factory) -> None:
    app = rig_factory().app
    async with app.run_test(size=SIZE) as pilot:
        await refund_of(pilot, DECLINE)
        account = str(app.screen.query_one("#account").content)
        assert "Card declined the refund: Declined by the provider." in account
