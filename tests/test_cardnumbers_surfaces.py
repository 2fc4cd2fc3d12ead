"""The card-number detector on every free text that is stored (issue 17.3): refund notes and
reason text, cashier ids and names, every field of an import (fast path and careful checker
alike), receipt numbers. Nothing is stored and no message echoes the number."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from cashier_tui.domain.errors import RefundRejected
from cashier_tui.domain.views import Problem, RefundRequest
from cashier_tui.import_fast import fast_check
from cashier_tui.import_rules import CARD_MESSAGE, check_sale
from cashier_tui.importer import ImportFailed, import_sales
from screens.texts import problem_text
from tests.cli_fixtures import run_cli
from tests.engine_fixtures import (  # noqa: F401 - fixtures
    L,
    clock_fixture,
    gateway_fixture,
    make_sale,
    staff_fixture,
    till_fixture,
)
from tests.import_fixtures import dump, sale, write_jsonl

DISGUISES = ["4111.1111.1111.1111", "4111\t1111\t1111\t1111", "4111–1111–1111–1111",
             "4111/1111/1111/1111", "4111  1111  1111  1111", "4111 1111 1111 1111 12/28",
             "Gift for 4111 1111 1111 1111 1228", "2026 4111 1111 1111 1111"]


@pytest.mark.parametrize("field", ["note", "reason_text"])
@pytest.mark.parametrize("card", DISGUISES[:3] + DISGUISES[-1:])
def test_refund_note_and_reason_text_refuse_a_card_number(engine, till, field, card):
    r = make_sale(engine, [L(1, 1000)])
    texts = {"reason_text": "goodwill", field: f"card {card}"}
    request = RefundRequest(r, "full", reason="other", **texts)
    quote = till.quote(request)
    assert [(p.code, p.field) for p in quote.problems] == [("card_number", field)]
    with pytest.raises(RefundRejected):
        till.commit(request, "C001")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM refund")).scalar() == 0
    shown = problem_text(quote.problems[0])
    assert "card number" in shown and "4111" not in shown


def test_the_details_screen_words_the_card_problem():
    assert "last 4 digits" in problem_text(Problem("card_number", "x", "note"))


@pytest.mark.parametrize("args", [
    ("C8", "--name", "4111-1111-1111-1111"), ("C8", "--name", "Li 4111.1111.1111.1111"),
    ("4111111111111111", "--name", "Li"),
])
def test_cashier_add_refuses_a_card_number_without_echoing_it(tmp_path, args):
    db = tmp_path / "till.db"
    done = run_cli(tmp_path, "--db", str(db), "cashier", "add", *args, "--role", "cashier",
                   stdin="1234\n")
    assert done.returncode == 2, done.stderr
    assert "looks like a full card number" in done.stderr
    assert "4111" not in done.stderr + done.stdout and "Traceback" not in done.stderr
    ok = run_cli(tmp_path, "--db", str(db), "cashier", "add", "C8", "--name", "Li",
                 "--role", "cashier", stdin="1234\n")
    assert ok.returncode == 0, ok.stderr


def _with(path: tuple, value: str) -> dict:
    record = sale(1)
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return record


FIELDS = [(("lines", 0, "name"), "lines[0].name"), (("payments", 0, "reference"),
          "payments[0].reference"), (("store",), "store"), (("cashier",), "cashier"),
          (("lines", 0, "sku"), "lines[0].sku")]


@pytest.mark.parametrize("card", DISGUISES)
@pytest.mark.parametrize(("path", "field"), FIELDS)
def test_import_refuses_a_disguised_card_number_in_any_text(path, field, card):
    value = card.replace("Gift for ", "") if field == "lines[0].sku" else card
    record = _with(path, value)
    raw = json.dumps(record, ensure_ascii=False).encode()
    assert fast_check(raw) is None  # the fast path never accepts more than the careful one
    problems: list[tuple[str, str]] = []
    assert check_sale(record, problems) is None
    assert (field, CARD_MESSAGE) in problems


@pytest.mark.parametrize("receipt", ["4111-1111-1111-1111", "4111111111111111",
                                     "R-4111-1111-1111-1111", "2026-4111-1111-1111-1111"])
def test_a_card_number_as_receipt_number_is_refused(engine, tmp_path, receipt):
    before = dump(engine)
    path = write_jsonl(tmp_path / "s.jsonl", [sale(1, receipt_no=receipt)])
    assert fast_check(path.read_bytes().strip()) is None
    with pytest.raises(ImportFailed) as err:
        import_sales(engine, path)
    assert [(e.field, e.message) for e in err.value.errors] == [("receipt_no", CARD_MESSAGE)]
    assert dump(engine) == before


def test_usual_receipt_numbers_still_import(engine, tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [sale(n) for n in range(1, 200)])
    assert import_sales(engine, path).added == 199


def test_a_card_typed_as_a_cashier_id_is_not_audited(engine, staff):
    from cashier_tui.domain.errors import AuthError

    for typed in ("4111111111111111", "4111 1111 1111 1111"):
        with pytest.raises(AuthError):
            staff.sign_in(typed, "1234")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT COALESCE(actor, ''), detail FROM audit_event")).all()
    stored = " ".join(a + d for a, d in rows)
    assert "4111" not in stored and "[card number removed]" in stored
