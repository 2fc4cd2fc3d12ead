"""Pure arithmetic of refunds (DESIGN.md §5). Integers in, integers out; no I/O.

Two rules carry the whole "never more than was paid" promise:

* :func:`units_amount` — what ``k`` more units of a line refund. A line with net ``N`` over
  ``n`` units refunds units ``q0..q1`` for ``N*q1//n - N*q0//n``. We compute it from the
  *cumulative target*: after ``c + k`` of ``n`` units are consumed, the line should have given
  back ``N*(c+k)//n`` in all, so this refund is that target less what is already consumed
  (refunded plus in flight). In the ordinary case this is exactly the formula above; when a
  failed refund released units out of order it still never overshoots, and the last unit
  always takes exactly what is left, so every unit refunded adds up to ``N``.
* :func:`allocate` — split an amount over capacities in proportion, by largest remainder,
  never above a capacity, ties to the earlier one.
"""

from __future__ import annotations

from collections.abc import Sequence


def units_amount(net: int, qty: int, consumed_qty: int, consumed_amount: int, k: int) -> int:
    """Amount refunded by ``k`` more units of a line of ``qty`` units with net ``net``.

    ``consumed_qty``/``consumed_amount`` are what the line already refunded or holds in flight.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    if consumed_qty + k > qty:
        raise ValueError("more units than the line has left")
    left = net - consumed_amount
    if consumed_qty + k == qty:
        return left
    target = net * (consumed_qty + k) // qty - consumed_amount
    return max(0, min(target, left))


def allocate(amount: int, capacities: Sequence[int]) -> list[int]:
    """Split ``amount`` over ``capacities`` in proportion to them (largest remainder).

    Each part is at most its capacity, the parts add up to ``amount`` exactly, and equal
    remainders go to the earlier capacity (tender order).
    """
    total = sum(capacities)
    if amount < 0 or any(c < 0 for c in capacities):
        raise ValueError("amount and capacities must not be negative")
    if amount > total:
        raise ValueError(f"cannot allocate {amount} over a capacity of {total}")
    if amount == 0:
        return [0] * len(capacities)
    parts = [amount * c // total for c in capacities]
    remainders = [amount * c % total for c in capacities]
    short = amount - sum(parts)
    # Largest remainder first; ties to the earlier index. A part with a non-zero remainder is
    # strictly below its capacity, so adding one never passes it.
    order = sorted(range(len(capacities)), key=lambda i: (-remainders[i], i))
    for i in order[:short]:
        parts[i] += 1
    return parts
