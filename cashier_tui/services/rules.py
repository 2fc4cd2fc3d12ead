"""The refund rules of DESIGN.md §5 as one pure function: sale facts + request -> Quote.

:func:`build_quote` is used twice: by ``quote`` on a read snapshot (to show the cashier the
breakdown and the problems), and by ``commit`` on the rows re-read under the lock, so that the
caps are re-checked atomically. It reads nothing and writes nothing.
"""

from __future__ import annotations

from ..domain.allocation import allocate, units_amount
from ..domain.cardnumbers import has_card_number
from ..domain.policy import Policy
from ..domain.views import (
    REASONS,
    RULE_CASH_FOR_NON_CASH,
    RULE_OUTSIDE_WINDOW,
    RULE_OVER_THRESHOLD,
    LineView,
    Problem,
    Quote,
    QuoteLeg,
    QuoteLine,
    RefundRequest,
    SaleView,
)
from ..money import plain


def line_amount(line: LineView, k: int) -> int:
    """What ``k`` more units of ``line`` refund (per-unit amounts, DESIGN.md §5)."""
    return units_amount(line.net, line.qty, line.refunded_qty + line.in_flight_qty,
                        line.refunded_amount + line.in_flight_amount, k)


def _lines_full(sale: SaleView) -> list[QuoteLine]:
    return [QuoteLine(x.line_id, x.name, x.refundable_qty, line_amount(x, x.refundable_qty))
            for x in sale.lines if x.refundable_qty > 0]


def _lines_items(sale: SaleView, request: RefundRequest,
                 problems: list[Problem]) -> list[QuoteLine]:
    by_id = {x.line_id: x for x in sale.lines}
    chosen: list[tuple[int, QuoteLine]] = []
    before = len(problems)
    for line_id, qty in sorted(request.items.items()):
        line = by_id.get(line_id)
        field = f"qty:{line_id}"
        if line is None:
            problems.append(Problem("unknown_line", f"Line {line_id} is not on sale "
                                    f"{sale.receipt_no}.", field, {"line_id": line_id}))
        elif not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
            problems.append(Problem("qty_invalid", "Type a whole number of units (0 or more).",
                                    field))
        elif qty > line.refundable_qty:
            left = line.refundable_qty
            problems.append(Problem(
                "qty_over", f"Only {left} of '{line.name}' can still be refunded." if left
                else f"'{line.name}' has nothing left to refund.", field, {"max": left}))
        elif qty > 0:
            chosen.append((line.line_no, QuoteLine(line_id, line.name, qty,
                                                   line_amount(line, qty))))
    if not chosen and len(problems) == before:
        problems.append(Problem("empty", "Choose at least one item to refund.", "items"))
    return [q for _, q in sorted(chosen, key=lambda pair: pair[0])]


MAX_TEXT = 200  # reason text and note, as stored
CARD_TEXT = "This looks like a full card number: write at most its last 4 digits."


def _reason_problems(request: RefundRequest) -> list[Problem]:
    problems = []
    if request.reason not in REASONS:
        problems.append(Problem("reason_required", "Choose a reason for the refund.", "reason"))
    elif request.reason == "other" and not (request.reason_text or "").strip():
        problems.append(Problem("reason_text_required",
                                "Say in a few words why (the reason is 'other').", "reason_text"))
    for field, text in (("reason_text", request.reason_text), ("note", request.note)):
        if len((text or "").strip()) > MAX_TEXT:
            problems.append(Problem("too_long", f"At most {MAX_TEXT} characters.", field,
                                    {"max": MAX_TEXT}))
        elif has_card_number(text or ""):
            problems.append(Problem("card_number", CARD_TEXT, field))
    return problems


def _legs(sale: SaleView, amount: int, payout: str) -> list[QuoteLeg]:
    tenders = sorted(sale.tenders, key=lambda t: t.seq)
    parts = allocate(amount, [max(0, t.refundable) for t in tenders])
    legs = []
    for tender, part in zip(tenders, parts, strict=True):
        if part == 0:
            continue
        if payout == "cash" or tender.method == "cash":
            action, how = "cash", "cash"
        elif (not tender.settled and part == tender.amount
              and tender.refunded == 0 and tender.in_flight == 0):
            action, how = "void", tender.method
        else:
            action, how = "refund", tender.method
        legs.append(QuoteLeg(tender.tender_id, tender.method, how, action, part,
                             tender.masked))
    return legs


def build_quote(sale: SaleView, request: RefundRequest, policy: Policy, *,
                earlier: int = 0) -> Quote:
    """What ``request`` would refund from ``sale`` under ``policy``, or why it cannot.

    ``earlier``: what the sale's earlier refunds of the day still move (not failed); it
    counts toward the approval threshold with this refund, so splitting a large refund in
    two does not avoid the manager."""
    cur = sale.currency

    def refused(problem: Problem) -> Quote:
        return Quote(cur, 0, (), (), (), (problem,))

    if sale.voided:
        return refused(Problem("voided", f"Sale {sale.receipt_no} was voided: there is "
                               "nothing to refund."))
    refundable = sale.refundable
    if refundable <= 0:
        return refused(Problem("nothing_left", f"Sale {sale.receipt_no} is fully refunded: "
                               "there is nothing left to refund."))
    problems: list[Problem] = []
    lines: list[QuoteLine] = []
    amount = 0
    if request.kind == "full":
        lines = _lines_full(sale)
        amount = refundable
    elif request.kind == "items":
        lines = _lines_items(sale, request, problems)
        amount = min(sum(x.amount for x in lines), refundable)
        if lines and amount == 0:
            problems.append(Problem("amount_zero", "The chosen items are worth nothing: "
                                    "there is no money to refund.", "items"))
    elif request.kind == "amount":
        wanted = request.amount
        if wanted is None or isinstance(wanted, bool) or not isinstance(wanted, int) \
                or wanted <= 0:
            problems.append(Problem("amount_zero", "Type an amount above zero.", "amount"))
        elif wanted > refundable:
            problems.append(Problem("amount_over", f"At most {plain(refundable, cur)} can "
                                    "still be refunded.", "amount", {"max": refundable}))
        else:
            amount = wanted
    else:
        problems.append(Problem("kind_invalid", "Choose a full refund, items or an amount.",
                                "kind"))
    problems.extend(_reason_problems(request))
    if request.payout not in ("original", "cash"):
        problems.append(Problem("payout_invalid", "Choose how the money goes back: original "
                                "payment or cash.", "payout"))
    legs: list[QuoteLeg] = []
    approvals: list[str] = []
    if amount > 0 and request.payout in ("original", "cash"):
        legs = _legs(sale, amount, request.payout)
        if amount + earlier > policy.approval_threshold:
            approvals.append(RULE_OVER_THRESHOLD)
        if sale.age_days > policy.window_days:
            approvals.append(RULE_OUTSIDE_WINDOW)
        if request.payout == "cash" and any(x.method != "cash" for x in legs):
            approvals.append(RULE_CASH_FOR_NON_CASH)
        if (request.payout == "original" and sale.age_days > policy.gateway_max_days
                and any(x.action != "cash" for x in legs)):
            problems.append(Problem(
                "too_old_for_gateway",
                f"The sale is {sale.age_days} days old and the provider refuses refunds after "
                f"{policy.gateway_max_days} days: refund in cash with a manager's approval.",
                "payout", {"age_days": sale.age_days, "max_days": policy.gateway_max_days}))
    return Quote(cur, amount, tuple(lines), tuple(legs), tuple(approvals), tuple(problems),
                 lines_amount=sum(x.amount for x in lines))
