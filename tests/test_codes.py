"""One definition of a receipt number and of a scan's normalisation (cashier_tui.domain.codes),
read by the importer's two paths, the look-ups and the refund QR codec."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cashier_tui.domain import codes
from cashier_tui.domain.cardnumbers import receipt_has_card_number
from cashier_tui.domain.errors import NotAReceipt
from cashier_tui.import_fast import fast_check
from cashier_tui.import_rules import check_sale
from cashier_tui.qrpayload import RefundCodec
from cashier_tui.services import sales
from tests.import_fixtures import sale

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for d in ("cashier_tui", "screens", "printers") for p in (ROOT / d).rglob("*.py")]


def _holding(pattern: str) -> list[str]:
    found = re.compile(pattern)
    return sorted(str(p.relative_to(ROOT)) for p in SOURCES if found.search(p.read_text("utf-8")))


@pytest.mark.parametrize("pattern", [
    re.escape("[A-Z0-9-]{1,40}"),  # the receipt number
    re.escape("[A-Z0-9-]{0,38}"),  # the refund number of the QR codec
    r"def normalise_scan\b",
    r'normalize\("NFKC".*\)\.strip\(\)\.upper\(\)',  # a scan's normalisation
])
def test_each_rule_is_written_once(pattern):
    assert _holding(pattern) == ["cashier_tui/domain/codes.py"]


def test_the_receipt_pattern_holds_its_length():
    assert codes.is_receipt_no("A" * codes.RECEIPT_MAX)
    assert not codes.is_receipt_no("A" * (codes.RECEIPT_MAX + 1))


def test_what_a_scan_becomes():
    assert codes.normalise_scan("  ｓ０１－ｔ０２－２０２６１１２０－００４２\n") == \
        "S01-T02-20261120-0042"
    assert codes.normalise_scan("\u3000abc-1\t") == "ABC-1"
    assert codes.normalise_scan(None) == ""
    assert sales.normalise_scan is codes.normalise_scan  # the services read the one


def _import_accepts(receipt) -> tuple[bool, bool]:
    record = sale(3)
    record["receipt_no"] = receipt
    raw = json.dumps(record, ensure_ascii=False).encode()
    fast = fast_check(raw)
    careful = check_sale(json.loads(raw), []) is not None
    assert fast is None or careful  # the fast path never accepts more
    return fast is not None, careful


RECEIPTS = st.one_of(
    st.text(alphabet="AZaz09-_ ．－ｓ０\u3000\n", max_size=42),
    st.text(max_size=42),
    st.from_regex(r"\A[A-Z0-9-]{1,41}\Z"),
)


@settings(max_examples=400, deadline=None)
@given(RECEIPTS)
def test_import_and_lookup_agree_on_what_a_receipt_number_is(receipt):
    fast, careful = _import_accepts(receipt)
    canonical = codes.is_receipt_no(receipt)
    assert careful == (canonical and not receipt_has_card_number(receipt))
    assert fast == careful  # a clean sale otherwise: the fast path takes it when it may
    if canonical:
        assert codes.check_receipt_no(receipt) == receipt  # a scan of it finds it
        assert codes.check_receipt_no(receipt.lower()) == receipt
        return
    try:
        found = codes.check_receipt_no(receipt)
    except NotAReceipt:
        return
    assert found == codes.normalise_scan(receipt) != receipt


def test_a_refund_code_scanned_full_width_and_lower_case_verifies():
    codec = RefundCodec(bytes(range(32)))
    payload = codec.encode("R-T01-261122-0001", 1250, "CNY")
    typed = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in payload.lower())
    assert typed != payload and codec.decode(f" {typed} ").refund_no == "R-T01-261122-0001"


def test_codes_is_cheap_to_import():
    """On the start path: only re, unicodedata and the domain's errors."""
    code = ("import sys; before = set(sys.modules); import cashier_tui.domain.codes; "
            "print(sorted(m for m in set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    loaded = set(eval(out))
    ours = {m for m in loaded if m.startswith("cashier_tui")}
    assert ours == {"cashier_tui", "cashier_tui.domain", "cashier_tui.domain.codes",
                    "cashier_tui.domain.errors"}
    assert not {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "textual", "sqlmodel",
                                                          "pydantic_core", "escpos")}
