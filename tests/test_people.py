"""Cashiers, PINs (scrypt, salted), the lockout, manager approvals and their audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from cashier_tui.domain.errors import (
    AccountLocked,
    ApprovalRequired,
    NotAManager,
    SelfApproval,
    UnknownCashier,
    WrongPin,
)
from cashier_tui.domain.policy import Policy
from cashier_tui.domain.views import Approval, RefundRequest
from cashier_tui.services import people
from cashier_tui.storage.db import read_tx
from cashier_tui.storage.models import AuditEvent, Cashier, Refund
from tests.engine_fixtures import (  # noqa: F401 - fixtures
    CASHIER_PIN,
    MANAGER_PIN,
    NOW,
    L,
    clock_fixture,
    gateway_fixture,
    make_sale,
    make_till,
    staff_fixture,
    till_fixture,
)


def row(engine, cashier_id) -> Cashier:
    with read_tx(engine) as session:
        found = session.get(Cashier, cashier_id)
        return Cashier.model_validate(found.model_dump())  # a copy outside the session


def audit(engine) -> list[tuple[str, str | None, dict]]:
    with read_tx(engine) as session:
        return [(e.kind, e.actor, json.loads(e.detail))
                for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_pins_are_stored_as_salted_scrypt_hashes(engine, staff):
    a, b = row(engine, "C001"), row(engine, "M001")
    assert len(a.pin_salt) == 16 and a.pin_salt != b.pin_salt
    assert a.pin_hash == people.hash_pin(CASHIER_PIN, a.pin_salt)
    assert CASHIER_PIN.encode() not in a.pin_hash
    staff.add_cashier("C002", "Zhao Lei", "cashier", CASHIER_PIN)  # the same PIN ...
    assert row(engine, "C002").pin_hash != a.pin_hash  # ... another hash
    assert people.pin_matches(CASHIER_PIN, a.pin_salt, a.pin_hash)
    assert not people.pin_matches("0000", a.pin_salt, a.pin_hash)


@pytest.mark.parametrize(("cashier_id", "role", "pin", "message"), [
    ("C9", "cashier", "123", "4 to 8 digits"),
    ("C9", "cashier", "123456789", "4 to 8 digits"),
    ("C9", "cashier", "12a4", "4 to 8 digits"),
    ("C9", "cashier", "１２３４", "4 to 8 digits"),  # full-width digits are not a PIN
    ("C9", "boss", "1234", "'cashier' or 'manager'"),
    ("", "cashier", "1234", "1-20 letters"),
    ("C001", "cashier", "1234", "already exists"),
])
def test_add_cashier_refuses_bad_input_plainly(staff, cashier_id, role, pin, message):
    with pytest.raises(ValueError, match=message):
        staff.add_cashier(cashier_id, "Name", role, pin)


def test_sign_in_returns_the_cashier_and_audits_it(engine, staff):
    me = staff.sign_in("C001", CASHIER_PIN)
    assert (me.cashier_id, me.role, me.is_manager) == ("C001", "cashier", False)
    assert ("sign_in", "C001", {}) in audit(engine)


def test_unknown_cashier(engine, staff):
    with pytest.raises(UnknownCashier) as err:
        staff.sign_in("NOBODY", "1234")
    assert audit(engine)[-1][:2] == ("sign_in_failed", None)
    # The message does not say whether the id exists (issue 17.9).
    assert err.value.message.startswith("Wrong id or PIN") and "No cashier" not in str(err.value)


def test_the_right_pin_on_the_last_try_signs_in_and_lifts_the_lock(engine, staff):
    for _ in range(4):
        with pytest.raises(WrongPin):
            staff.sign_in("C001", "0000")
    assert staff.sign_in("C001", CASHIER_PIN).cashier_id == "C001"
    after = row(engine, "C001")
    assert (after.failed_attempts, after.locked_until) == (0, None)
    assert [kind for kind, _a, _d in audit(engine)].count("locked") == 0


def test_the_last_try_locks_the_account_while_its_pin_is_checked(engine, staff, monkeypatch):
    """The fifth try holds the lock from the moment it is counted: a till trying meanwhile
    is refused without its PIN being evaluated."""
    for _ in range(4):
        with pytest.raises(WrongPin):
            staff.sign_in("C001", "0000")
    seen = []
    real = people.hash_pin

    def during_the_fifth(pin, salt):
        if not seen:
            seen.append(row(engine, "C001"))
            with pytest.raises(AccountLocked):
                make_till(engine).sign_in("C001", CASHIER_PIN)  # another till, meanwhile
        return real(pin, salt)

    monkeypatch.setattr(people, "hash_pin", during_the_fifth)
    with pytest.raises(AccountLocked):
        staff.sign_in("C001", "0000")
    assert seen[0].failed_attempts == 5 and seen[0].locked_until is not None


@pytest.mark.parametrize(("who", "pin", "words"), [
    ("M001", MANAGER_PIN, "ask another manager"), ("C001", CASHIER_PIN, "ask a manager")])
def test_a_locked_manager_is_not_told_to_ask_a_manager(engine, staff, who, pin, words):
    for _ in range(5):
        with pytest.raises((WrongPin, AccountLocked)):
            staff.sign_in(who, "0000")
    with pytest.raises(AccountLocked) as err:
        staff.sign_in(who, pin)
    assert err.value.role == row(engine, who).role and words in err.value.message


def test_five_wrong_pins_lock_for_five_minutes(engine, staff, clock):
    for remaining in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as err:
            staff.sign_in("C001", "0000")
        assert err.value.remaining == remaining
        assert row(engine, "C001").failed_attempts == 5 - remaining  # committed each time
    with pytest.raises(AccountLocked) as locked:
        staff.sign_in("C001", "0000")
    assert locked.value.until == NOW + timedelta(minutes=5)
    with pytest.raises(AccountLocked):
        staff.sign_in("C001", CASHIER_PIN)  # even the right PIN, while locked
    clock.advance(minutes=4, seconds=59)
    with pytest.raises(AccountLocked):
        staff.sign_in("C001", CASHIER_PIN)
    clock.advance(seconds=1)
    assert staff.sign_in("C001", CASHIER_PIN).cashier_id == "C001"
    assert row(engine, "C001").failed_attempts == 0
    whys = [d.get("why") for kind, _actor, d in audit(engine) if kind == "sign_in_failed"]
    assert whys == ["wrong_pin"] * 5 + ["locked"] * 2  # tries while locked are audited too
    assert [kind for kind, _a, _d in audit(engine)].count("locked") == 1


def test_a_right_pin_resets_the_count(engine, staff):
    for _ in range(3):
        with pytest.raises(WrongPin):
            staff.sign_in("C001", "0000")
    staff.sign_in("C001", CASHIER_PIN)
    with pytest.raises(WrongPin) as err:
        staff.sign_in("C001", "0000")
    assert err.value.remaining == 4


def test_the_count_survives_a_restart_of_the_till(engine, staff):
    for _ in range(4):
        with pytest.raises(WrongPin):
            staff.sign_in("C001", "0000")
    other_till = make_till(engine)
    with pytest.raises(AccountLocked):
        other_till.sign_in("C001", "9999")


def test_no_pin_ever_reaches_the_audit_log(engine, staff):
    with pytest.raises(WrongPin):
        staff.sign_in("C001", "97531")
    staff.sign_in("C001", CASHIER_PIN)
    with read_tx(engine) as session:
        details = " ".join(e.detail for e in session.exec(select(AuditEvent)))
    assert "97531" not in details and CASHIER_PIN not in details and MANAGER_PIN not in details


def test_approval_needs_a_manager(engine, staff):
    with pytest.raises(NotAManager):
        staff.check_approval(Approval("C001", CASHIER_PIN), ("over_threshold",))
    assert staff.check_approval(Approval("M001", MANAGER_PIN), ()).is_manager


def test_a_cashier_cannot_approve_a_refund(engine, staff):
    r = make_sale(engine, [L(1, 60000)])
    request = RefundRequest(r, "full", reason="defective")
    with pytest.raises(ApprovalRequired):
        staff.commit(request, "C001")
    with pytest.raises(NotAManager):
        staff.commit(request, "C001", Approval("C001", CASHIER_PIN))
    with read_tx(engine) as session:
        assert session.exec(select(Refund)).all() == []


def test_a_wrong_manager_pin_is_counted_although_no_refund_is_written(engine, staff):
    r = make_sale(engine, [L(1, 60000)])
    request = RefundRequest(r, "full", reason="defective")
    with pytest.raises(WrongPin) as err:
        staff.commit(request, "C001", Approval("M001", "0000"))
    assert err.value.remaining == 4
    assert row(engine, "M001").failed_attempts == 1
    with read_tx(engine) as session:
        assert session.exec(select(Refund)).all() == []
    assert audit(engine)[-1][:2] == ("approval_failed", "M001")
    view = staff.commit(request, "C001", Approval("M001", MANAGER_PIN))
    assert (view.approver, view.approval_rules) == ("M001", ("over_threshold",))
    kind, actor, detail = audit(engine)[-1]
    assert (kind, actor, detail["rules"], detail["cashier"]) == (
        "approval", "M001", ["over_threshold"], "C001")


def test_a_manager_cannot_approve_their_own_refund(engine, staff):
    """Issue 16.8: the approver must be someone else than the cashier making the refund;
    the refusal comes before the PIN is checked (not a wrong PIN) and is audited."""
    r = make_sale(engine, [L(1, 60000)])
    request = RefundRequest(r, "full", reason="defective")
    with pytest.raises(SelfApproval) as err:
        staff.commit(request, "M001", Approval("M001", MANAGER_PIN))
    assert "another manager" in err.value.message
    with pytest.raises(SelfApproval):
        staff.check_approval(Approval("M001", MANAGER_PIN), ("over_threshold",),
                             cashier_id="M001")
    assert row(engine, "M001").failed_attempts == 0
    assert audit(engine)[-1] == ("approval_failed", "M001", {"why": "self_approval"})
    with read_tx(engine) as session:
        assert session.exec(select(Refund)).all() == []
    view = staff.commit(request, "C001", Approval("M001", MANAGER_PIN))  # someone else: fine
    assert (view.cashier, view.approver) == ("C001", "M001")
    assert "self_approval" not in audit(engine)[-1][2]


def test_self_approval_when_the_policy_allows_it_is_recorded(engine, staff):
    till = make_till(engine, policy=Policy(self_approval=True))
    r = make_sale(engine, [L(1, 60000)])
    view = till.commit(RefundRequest(r, "full", reason="defective"), "M001",
                       Approval("M001", MANAGER_PIN))
    assert (view.cashier, view.approver) == ("M001", "M001")
    kind, actor, detail = audit(engine)[-1]
    assert (kind, actor, detail["self_approval"], detail["cashier"]) == (
        "approval", "M001", True, "M001")
