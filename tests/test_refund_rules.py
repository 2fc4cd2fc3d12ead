"""Every refund rule of DESIGN.md §5, with exact amounts, through the Till on a real file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from cashier_tui.domain.errors import ApprovalRequired, NoSuchCashier, RefundRejected
from cashier_tui.domain.views import (
    RULE_CASH_FOR_NON_CASH,
    RULE_OUTSIDE_WINDOW,
    RULE_OVER_THRESHOLD,
    Approval,
    RefundRequest,
)
from cashier_tui.storage.db import make_engine, write_tx
from cashier_tui.storage.migrate import upgrade
from cashier_tui.storage.models import Cashier, Refund, RefundLeg
from tests.engine_fixtures import (  # noqa: F401 - fixtures
    MANAGER_PIN,
    NOW,
    L,
    T,
    clock_fixture,
    gateway_fixture,
    make_sale,
    make_till,
    staff_fixture,
    till_fixture,
    totals,
)

BOSS = Approval("M001", MANAGER_PIN)


def req(receipt: str, kind: str, **kw) -> RefundRequest:
    kw.setdefault("reason", "defective")
    return RefundRequest(receipt, kind, **kw)


def ids(till, receipt):
    return [x.line_id for x in till.get_sale(receipt).lines]


def refund(till, request, approval=None):
    view = till.commit(request, "C001", approval)
    return till.process(view.refund_no)


def codes(quote):
    return [p.code for p in quote.problems]


# --- per-unit amounts -----------------------------------------------------------------

def test_discounted_line_refunds_3333_3333_3334_one_unit_at_a_time(engine, till):
    r = make_sale(engine, [L(3, 3400, discount=200)])  # 3 units for 100.00
    (line,) = ids(till, r)
    amounts = [refund(till, req(r, "items", items={line: 1})).amount for _ in range(3)]
    assert amounts == [3333, 3333, 3334]
    assert totals(engine, r)["lines"] == [(3, 0, 10000, 0)]


def test_units_worth_nothing_alone_go_with_a_unit_worth_money(engine, till):
    r = make_sale(engine, [L(3, 10, discount=29)])  # 3 units for 0.01: 0, 0 and 1 fen
    (line,) = ids(till, r)
    for qty in (1, 2):
        quote = till.quote(req(r, "items", items={line: qty}))
        assert (quote.amount, [p.code for p in quote.problems]) == (0, ["amount_zero"])
    assert refund(till, req(r, "items", items={line: 3})).amount == 1
    assert totals(engine, r)["lines"] == [(3, 0, 1, 0)]


@pytest.mark.parametrize(("chunks", "expected"), [([2, 1], [6666, 3334]),
                                                  ([1, 2], [3333, 6667])])
def test_per_unit_amounts_add_up_whatever_the_order(engine, till, chunks, expected):
    r = make_sale(engine, [L(3, 3400, discount=200)])
    (line,) = ids(till, r)
    assert [refund(till, req(r, "items", items={line: k})).amount for k in chunks] == expected


# --- split across tenders -------------------------------------------------------------

def test_split_by_largest_remainder_with_ties_in_tender_order(engine, till):
    r = make_sale(engine, [L(1, 3000)], [T("card", 1000), T("wechat", 1000), T("alipay", 1000)])
    quote = till.quote(req(r, "amount", amount=2))
    assert [(x.method, x.amount) for x in quote.legs] == [("card", 1), ("wechat", 1)]
    quote = till.quote(req(r, "amount", amount=1550))
    assert [x.amount for x in quote.legs] == [517, 517, 516]


def test_split_follows_what_each_tender_can_still_refund(engine, till):
    r = make_sale(engine, [L(2, 5000)], [T("card", 5000), T("cash", 5000)])
    refund(till, req(r, "amount", amount=6000))  # card 30.00, cash 30.00
    assert totals(engine, r)["tenders"] == [(3000, 0), (3000, 0)]
    quote = till.quote(req(r, "full"))
    assert quote.amount == 4000
    assert [(x.method, x.action, x.amount) for x in quote.legs] == [
        ("card", "refund", 2000), ("cash", "cash", 2000)]


# --- caps -----------------------------------------------------------------------------

def test_quantity_over_what_is_left_is_refused_with_the_maximum(engine, till):
    r = make_sale(engine, [L(3, 1000), L(1, 500)])
    a, b = ids(till, r)
    refund(till, req(r, "items", items={a: 2}))
    quote = till.quote(req(r, "items", items={a: 2, b: 1}))
    (problem,) = quote.problems
    assert (problem.code, problem.field, problem.params["max"]) == ("qty_over", f"qty:{a}", 1)
    with pytest.raises(RefundRejected) as err:
        till.commit(req(r, "items", items={a: 2}), "C001")
    assert err.value.problems[0].code == "qty_over"
    assert totals(engine, r)["lines"][0] == (2, 0, 2000, 0)


def test_amount_over_zero_empty_and_unknown_line(engine, till):
    r = make_sale(engine, [L(1, 10000)])
    quote = till.quote(req(r, "amount", amount=10001))
    assert codes(quote) == ["amount_over"]
    assert (quote.problems[0].field, quote.problems[0].params["max"]) == ("amount", 10000)
    assert codes(till.quote(req(r, "amount", amount=0))) == ["amount_zero"]
    assert codes(till.quote(req(r, "amount"))) == ["amount_zero"]
    empty = till.quote(req(r, "items", items={ids(till, r)[0]: 0}))
    assert [(p.code, p.field) for p in empty.problems] == [("empty", "items")]
    assert codes(till.quote(req(r, "items", items={999: 1}))) == ["unknown_line"]


def test_partial_by_amount_then_full_returns_exactly_the_rest(engine, till):
    r = make_sale(engine, [L(2, 9000), L(1, 21000)], [T("card", 30000), T("cash", 9000)])
    first = refund(till, req(r, "amount", amount=5000, reason="price_adjustment"))
    assert [(x.payout, x.amount) for x in first.legs] == [("card", 3846), ("cash", 1154)]
    assert first.lines == ()
    rest = refund(till, req(r, "full"))
    assert rest.amount == 34000
    assert [(x.payout, x.amount) for x in rest.legs] == [("card", 26154), ("cash", 7846)]
    t = totals(engine, r)
    assert t["sale"] == (39000, 0)
    assert t["tenders"] == [(30000, 0), (9000, 0)]
    assert t["lines"] == [(2, 0, 18000, 0), (1, 0, 21000, 0)]
    assert codes(till.quote(req(r, "full"))) == ["nothing_left"]


def test_items_after_a_price_adjustment_are_capped_by_the_sale(engine, till):
    r = make_sale(engine, [L(2, 5000)])
    refund(till, req(r, "amount", amount=8000, reason="price_adjustment"))
    quote = till.quote(req(r, "items", items={ids(till, r)[0]: 1}))
    assert (quote.amount, quote.lines_amount) == (2000, 5000)
    done = refund(till, req(r, "items", items={ids(till, r)[0]: 1}))
    assert done.amount == 2000 and done.lines[0].amount == 5000
    assert totals(engine, r)["sale"] == (10000, 0)


# --- payout ---------------------------------------------------------------------------

def test_cash_for_a_card_sale_needs_approval_and_consumes_the_card(engine, staff):
    r = make_sale(engine, [L(1, 15580)], [T("card", 15580, card_last4="7093")])
    quote = staff.quote(req(r, "full", payout="cash"))
    assert quote.approvals == (RULE_CASH_FOR_NON_CASH,)
    assert [(x.payout, x.action, x.amount) for x in quote.legs] == [("cash", "cash", 15580)]
    with pytest.raises(ApprovalRequired) as err:
        staff.commit(req(r, "full", payout="cash"), "C001")
    assert err.value.rules == (RULE_CASH_FOR_NON_CASH,)
    done = staff.commit(req(r, "full", payout="cash"), "C001", BOSS)
    assert (done.status, done.approver, done.approval_rules) == (
        "completed", "M001", (RULE_CASH_FOR_NON_CASH,))
    assert done.cash_paid == 15580
    assert totals(engine, r)["tenders"] == [(15580, 0)]  # the card can refund nothing more
    assert codes(staff.quote(req(r, "full"))) == ["nothing_left"]


def test_cash_payout_of_a_cash_sale_needs_no_approval(engine, till):
    r = make_sale(engine, [L(1, 5000)], [T("cash", 5000)])
    quote = till.quote(req(r, "full", payout="cash"))
    assert quote.approvals == () and quote.legs[0].action == "cash"
    assert refund(till, req(r, "full")).status == "completed"


def test_unsettled_card_refunded_in_full_is_a_void(engine, till):
    r = make_sale(engine, [L(1, 8850)], [T("card", 8850, settled=False)])
    assert till.quote(req(r, "full")).legs[0].action == "void"
    assert till.quote(req(r, "amount", amount=100)).legs[0].action == "refund"
    refund(till, req(r, "amount", amount=100))
    assert till.quote(req(r, "full")).legs[0].action == "refund"  # no longer whole


def test_settled_card_refunded_in_full_is_a_refund(engine, till):
    r = make_sale(engine, [L(1, 8850)], [T("card", 8850)])
    done = refund(till, req(r, "full"))
    assert (done.legs[0].action, done.status) == ("refund", "completed")


# --- policy ---------------------------------------------------------------------------

@pytest.mark.parametrize(("age", "rules"), [(timedelta(days=30, hours=23), ()),
                                            (timedelta(days=31), (RULE_OUTSIDE_WINDOW,))])
def test_refund_window_of_30_days(engine, till, age, rules):
    r = make_sale(engine, [L(1, 1000)], sold_at=NOW - age)
    assert till.quote(req(r, "full")).approvals == rules


@pytest.mark.parametrize(("total", "rules"), [(50000, ()), (50001, (RULE_OVER_THRESHOLD,))])
def test_refunds_over_500_need_approval(engine, till, total, rules):
    r = make_sale(engine, [L(1, total)])
    assert till.quote(req(r, "full")).approvals == rules


def test_no_gateway_refund_past_365_days_cash_with_approval_instead(engine, staff):
    r = make_sale(engine, [L(1, 17980)], sold_at=NOW - timedelta(days=366))
    quote = staff.quote(req(r, "full"))
    (problem,) = quote.problems
    assert (problem.code, problem.field) == ("too_old_for_gateway", "payout")
    assert "365 days" in problem.message and "cash" in problem.message
    cash = staff.quote(req(r, "full", payout="cash"))
    assert cash.ok and cash.approvals == (RULE_OUTSIDE_WINDOW, RULE_CASH_FOR_NON_CASH)
    assert staff.commit(req(r, "full", payout="cash"), "C001", BOSS).status == "completed"


def test_a_cash_sale_older_than_a_year_refunds_to_cash_on_original(engine, till):
    r = make_sale(engine, [L(1, 1000)], [T("cash", 1000)], sold_at=NOW - timedelta(days=400))
    quote = till.quote(req(r, "full"))
    assert quote.ok and quote.approvals == (RULE_OUTSIDE_WINDOW,)


def test_voided_and_fully_refunded_sales_refund_nothing(engine, till):
    voided = make_sale(engine, [L(1, 1000)], receipt_no="V1", status="voided")
    assert codes(till.quote(req(voided, "full"))) == ["voided"]
    assert codes(till.quote(req(voided, "amount", amount=1))) == ["voided"]
    r = make_sale(engine, [L(1, 1000)], receipt_no="F1")
    refund(till, req(r, "full"))
    assert codes(till.quote(req(r, "amount", amount=100))) == ["nothing_left"]


@pytest.mark.parametrize(("reason", "text", "expected"), [
    ("", None, [("reason_required", "reason")]),
    ("because", None, [("reason_required", "reason")]),
    ("other", "  ", [("reason_text_required", "reason_text")]),
    ("other", "customer goodwill", []),
    ("duplicate_charge", None, []),
])
def test_reason_is_required_and_other_needs_text(engine, till, reason, text, expected):
    r = make_sale(engine, [L(1, 1000)])
    quote = till.quote(req(r, "full", reason=reason, reason_text=text))
    assert [(p.code, p.field) for p in quote.problems] == expected


# --- commit re-checks under the lock --------------------------------------------------

def test_two_refunds_of_300_on_one_sale_in_a_day_need_approval_as_one_of_600(engine, staff):
    """Before: each refund was held to the 500.00 threshold alone, so 600.00 split in two
    needed no manager (issue 17.9)."""
    r = make_sale(engine, [L(1, 100000)])
    first = req(r, "amount", amount=30000)
    assert staff.quote(first).approvals == ()
    staff.process(staff.commit(first, "C001").refund_no)
    second = req(r, "amount", amount=30000)
    assert staff.quote(second).approvals == (RULE_OVER_THRESHOLD,)
    with pytest.raises(ApprovalRequired) as err:
        staff.commit(second, "C001")
    assert err.value.rules == (RULE_OVER_THRESHOLD,)
    assert totals(engine, r)["sale"] == (30000, 0)  # nothing written
    done = staff.commit(second, "C001", BOSS)
    assert (done.approver, done.approval_rules) == ("M001", (RULE_OVER_THRESHOLD,))


def test_the_earlier_refunds_are_read_again_under_the_lock(engine, till):
    """A quote made before another till's refund of the sale needs no approval; the commit
    counts that refund, read under the lock."""
    r = make_sale(engine, [L(1, 100000)])
    request = req(r, "amount", amount=30000)
    assert till.quote(request).approvals == ()
    till.commit(req(r, "amount", amount=25000), "C002")  # in flight: it counts
    with pytest.raises(ApprovalRequired):
        till.commit(request, "C001")


def test_a_failed_refund_counts_toward_the_threshold_other_days_do_not(engine, till, clock,
                                                                        gateway):
    """A declined refund can still be retried (R): it counts as if it moved, else a second
    refund and two R's refund over the threshold unapproved (attack-e D3). Before, a failed
    refund was left out and the 300.00 below needed no approval."""
    r = make_sale(engine, [L(1, 100000)])
    reference = totals(engine, r)["references"][0]
    gateway.script[reference] = "decline"
    failed = till.process(till.commit(req(r, "amount", amount=40000), "C001").refund_no)
    assert failed.status == "failed"
    assert till.quote(req(r, "amount", amount=30000)).approvals == (RULE_OVER_THRESHOLD,)
    with pytest.raises(ApprovalRequired):
        till.commit(req(r, "amount", amount=30000), "C001")
    clock.advance(days=1)  # a new day: yesterday's refunds no longer count
    assert till.quote(req(r, "amount", amount=30000)).approvals == ()


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_decline_then_r_never_passes_the_threshold_unapproved(store, request, clock):
    """attack-e D3: 300.00 declined; a second 300.00 (needs approval now); a refund of a
    sale whose earlier failed refund was committed before this fix (no approver on either)
    is refused at R when it would go over the threshold: a plain message, nothing moved."""
    from cashier_tui.domain.errors import RefundRejected
    from cashier_tui.gateways.simulated import SimulatedGateway

    if store == "sqlite":
        engine = request.getfixturevalue("engine")
    else:
        engine = make_engine(request.getfixturevalue("pg_server").create_database("d3_retry"))
        upgrade(engine)
        request.addfinalizer(engine.dispose)
    gateway = SimulatedGateway()
    till = make_till(engine, gateway, clock=clock)
    r = make_sale(engine, [L(1, 60000)], [T("card", 60000, reference="REFX")])
    gateway.script["REFX"] = "decline"
    a = till.process(till.commit(req(r, "amount", amount=30000), "C001").refund_no)
    with pytest.raises(ApprovalRequired):
        till.commit(req(r, "amount", amount=30000), "C001")
    # As the old code let it be: a second failed 300.00 stored without approval.
    b = till.process(till.commit(req(r, "amount", amount=10000), "C001").refund_no)
    with write_tx(engine) as session:
        session.get(Refund, _id(session, b.refund_no)).amount = 30000
        for leg in session.exec(select(RefundLeg).where(
                RefundLeg.refund_id == _id(session, b.refund_no))):
            leg.amount = 30000
    gateway.script["REFX"] = "ok"
    assert till.retry(a.refund_no).status == "completed"
    with pytest.raises(RefundRejected) as err:
        till.retry(b.refund_no)
    assert err.value.problems[0].code == "retry_needs_approval"
    assert "manager" in err.value.message and "not retried" in err.value.message
    assert till.get_refund(b.refund_no).status == "failed"
    assert totals(engine, r)["sale"] == (30000, 0)
    assert gateway.refunded_total("REFX") == 30000


def _id(session, refund_no: str) -> int:
    return session.exec(select(Refund.id).where(Refund.refund_no == refund_no)).one()


def test_a_cashier_who_does_not_exist_cannot_refund(engine, till):
    """Before: ``Till.commit`` wrote a refund in the name of any id (issue 17.9)."""
    r = make_sale(engine, [L(1, 1000)])
    with pytest.raises(NoSuchCashier) as err:
        till.commit(req(r, "full"), "GHOST")
    assert (err.value.code, err.value.params["cashier"]) == ("no_such_cashier", "GHOST")
    with write_tx(engine) as session:  # a cashier taken off the staff list
        session.get(Cashier, "C002").active = False
    with pytest.raises(NoSuchCashier):
        till.commit(req(r, "full"), "C002")
    assert totals(engine, r)["sale"] == (0, 0)  # nothing written
    assert till.commit(req(r, "full"), "C001").cashier == "C001"


def test_commit_rechecks_the_caps_on_fresh_rows(engine, till):
    r = make_sale(engine, [L(1, 10000)])
    request = req(r, "amount", amount=6000)
    assert till.quote(request).ok
    till.commit(req(r, "amount", amount=6000), "C002")  # another till got there first
    with pytest.raises(RefundRejected) as err:
        till.commit(request, "C001")
    assert err.value.problems[0].code == "amount_over"
    assert totals(engine, r)["sale"] == (0, 6000)


def test_refund_numbers_count_per_till_and_day(engine, till, clock):
    r = make_sale(engine, [L(4, 1000)])
    (line,) = ids(till, r)
    numbers = [till.commit(req(r, "items", items={line: 1}), "C001").refund_no
               for _ in range(2)]
    clock.advance(days=1)
    numbers.append(till.commit(req(r, "items", items={line: 1}), "C001").refund_no)
    assert numbers == ["R-T01-261120-0001", "R-T01-261120-0002", "R-T01-261121-0001"]
