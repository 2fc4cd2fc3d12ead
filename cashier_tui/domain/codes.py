"""The codes a till reads: receipt numbers, refund numbers and what a scanner types.

The one definition of each (DESIGN.md §4). A receipt number is 1-40 of ``A-Z 0-9 -``; it is
what the receipt's Code128 barcode encodes. A scanner types like a keyboard, perhaps with
caps lock or an IME on (full-width characters), so every code is compared after
:func:`normalise_scan`: full-width folded to half-width (NFKC), trimmed, upper-case.

Read by the importer (its fast path's schema and the careful checker), the look-ups of
:mod:`cashier_tui.services.sales` and the refund QR codec. Pure and cheap to import: no UI,
no SQL, only ``re`` and ``unicodedata``.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import NotAReceipt

RECEIPT_MAX = 40
RECEIPT_PATTERN = r"[A-Z0-9-]{1,40}"  # a whole receipt number (RECEIPT_MAX), unanchored
RECEIPT_RE = re.compile(RECEIPT_PATTERN)  # use fullmatch
# A refund number as the QR codec carries it (R-{till}-{yymmdd}-{nnnn}, made by the till):
# letters, digits and inner '-', 1-40 characters.
REFUND_NO_PATTERN = r"[A-Z0-9](?:[A-Z0-9-]{0,38}[A-Z0-9])?"


def normalise_scan(text: str | None) -> str:
    """What a scanner or a cashier typed, as codes are compared: half-width (NFKC),
    trimmed, upper-case."""
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def is_receipt_no(text: str) -> bool:
    """True for a receipt number in its canonical form (what the import stores)."""
    return RECEIPT_RE.fullmatch(text) is not None


def check_receipt_no(text: str | None) -> str:
    """The receipt number a scan stands for, or :class:`NotAReceipt` saying what to do."""
    code = normalise_scan(text)
    if not code:
        raise NotAReceipt("Scan the barcode on the receipt or type its number.")
    if not is_receipt_no(code):
        shown = code if len(code) <= RECEIPT_MAX else code[:37] + "..."
        raise NotAReceipt(f"'{shown}' is not a receipt number: a receipt number has up to "
                          "40 letters, digits and '-'. Scan the barcode on the receipt.",
                          text=shown)
    return code
