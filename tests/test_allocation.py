"""Per-unit amounts and the largest-remainder split (DESIGN.md §5), exactly."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cashier_tui.domain.allocation import allocate, units_amount


def refund_in_chunks(net: int, qty: int, chunks: list[int]) -> list[int]:
    consumed_qty = consumed_amount = 0
    amounts = []
    for k in chunks:
        amount = units_amount(net, qty, consumed_qty, consumed_amount, k)
        amounts.append(amount)
        consumed_qty += k
        consumed_amount += amount
    return amounts


def test_three_units_for_100_refund_3333_3333_3334():
    assert refund_in_chunks(10000, 3, [1, 1, 1]) == [3333, 3333, 3334]


@pytest.mark.parametrize("chunks", [[1, 2], [2, 1], [3], [1, 1, 1]])
def test_any_order_of_chunks_adds_up_to_the_line_net(chunks):
    amounts = refund_in_chunks(10000, 3, chunks)
    assert sum(amounts) == 10000
    # the formula N*q1//n - N*q0//n, chunk by chunk
    bounds = list(itertools.accumulate([0, *chunks]))
    assert amounts == [10000 * q1 // 3 - 10000 * q0 // 3 for q0, q1 in itertools.pairwise(bounds)]


def test_units_amount_refuses_more_units_than_left_and_zero_units():
    with pytest.raises(ValueError):
        units_amount(10000, 3, 2, 6666, 2)
    with pytest.raises(ValueError):
        units_amount(10000, 3, 0, 0, 0)


def test_units_amount_after_an_out_of_order_release_never_overshoots():
    # units 1 and 3 consumed 3333 + 3334 (a failed refund released unit 2 in between):
    # the last unit takes exactly what is left.
    assert units_amount(10000, 3, 2, 6667, 1) == 3333


def test_largest_remainder_with_a_tie_goes_to_the_earlier_tender():
    assert allocate(1, [5000, 5000]) == [1, 0]
    assert allocate(2, [1000, 1000, 1000]) == [1, 1, 0]
    assert allocate(7, [3, 3, 3]) == [3, 2, 2]


def test_largest_remainder_gives_the_cent_to_the_biggest_remainder():
    # 15.50 over 33.33 / 33.33 / 33.35: card 5.17, Alipay 5.16, cash 5.17
    assert allocate(1550, [3333, 3333, 3335]) == [517, 516, 517]
    # 49.50 over 150.00 / 148.00
    assert allocate(4950, [15000, 14800]) == [2492, 2458]


def test_allocate_edges():
    assert allocate(0, [10, 20]) == [0, 0]
    assert allocate(100, [0, 100]) == [0, 100]
    assert allocate(30, [10, 20]) == [10, 20]
    with pytest.raises(ValueError):
        allocate(31, [10, 20])
    with pytest.raises(ValueError):
        allocate(-1, [10])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=6), st.data())
def test_every_allocation_adds_up_exactly_and_respects_each_cap(capacities, data):
    amount = data.draw(st.integers(0, sum(capacities)))
    parts = allocate(amount, capacities)
    assert sum(parts) == amount
    total = sum(capacities)
    for part, cap in zip(parts, capacities, strict=True):
        assert 0 <= part <= cap
        if total:
            assert abs(part * total - amount * cap) < total  # within one unit of the share


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 30), st.integers(0, 10**8), st.data())
def test_every_unit_refunded_adds_up_to_the_net_whatever_the_chunks(qty, net, data):
    chunks = []
    left = qty
    while left:
        k = data.draw(st.integers(1, left))
        chunks.append(k)
        left -= k
    amounts = refund_in_chunks(net, qty, chunks)
    assert sum(amounts) == net
    assert all(a >= 0 for a in amounts)
