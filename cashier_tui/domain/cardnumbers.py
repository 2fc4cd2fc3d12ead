"""The one card-number detector: every free text the till stores or logs goes through it.

A *digit sequence* is digits joined by short runs (1-3 characters) of anything that is not a
letter or a digit: ``4111 1111 1111 1111``, ``4111.1111.1111.1111``, tabs, en dashes, slashes,
double spaces, a mix. Every window of 13-19 consecutive digits of a sequence is checked with
Luhn, not only the whole run, so an expiry or CVV after the number (``... 1111 12/28 123``)
or a year before it (``2026 4111 ...``) does not hide it. Windows are made of whole groups
(the unbroken runs between separators): a 28-digit wallet transaction id is one group, too
long to be a card, and is not cut into pieces that pass Luhn by chance. Full-width digits
count (NFKC), and so does any Unicode decimal digit.

False positives are bounded by Luhn: a window passes by chance one time in ten, and only
texts with at least 13 digits close together have a window (tests/test_cardnumbers.py).

Pure Python, no UI, no SQL: the importer, the refund rules, the people service and the log
filter all call :func:`has_card_number`.
"""

from __future__ import annotations

import re
import unicodedata

MIN_DIGITS = 13
MAX_DIGITS = 19
MAX_GAP = 3  # separator characters allowed between two digits of one sequence

# Digits with 0-3 characters that are neither letters nor digits between them; maximal, and
# possessive (``*+``): the scan is linear, it never backtracks.
_SEQUENCE = re.compile(rf"\d(?:[\W_]{{0,{MAX_GAP}}}+\d)*+")
_GROUP = re.compile(r"\d+")
# In a receipt number dashes separate its parts (S01-T02-20261120-0042): a part of 7 digits
# or more (a date, a counter) is no group of a printed card number and ends the sequence.
_RECEIPT_GROUPS = re.compile(r"\d{13,}|(?:\d{1,6}-)+\d{1,6}")
_DOUBLED = tuple((2 * d - 9) if d > 4 else 2 * d for d in range(10))


def luhn_ok(digits: str) -> bool:
    """The Luhn check of a string of ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        total += _DOUBLED[n] if i & 1 else n
    return total % 10 == 0


def _groups(sequence: str) -> list[str]:
    """The unbroken digit runs of a sequence, as ASCII digits."""
    groups = _GROUP.findall(sequence)
    if not sequence.isascii():
        groups = ["".join(str(int(ch)) for ch in g) for g in groups]
    return groups


def has_luhn_window(groups: list[str]) -> bool:
    """Does a window of whole consecutive groups, 13-19 digits long, pass Luhn?

    Windows start and end at group boundaries: a long unbroken run (a 28-digit WeChat Pay
    transaction id) is one group, checked whole, never cut into Luhn-passing pieces."""
    if len(groups) == 1:
        return MIN_DIGITS <= len(groups[0]) <= MAX_DIGITS and luhn_ok(groups[0])
    for first in range(len(groups)):
        window = ""
        for group in groups[first:]:
            window += group
            if len(window) > MAX_DIGITS:
                break
            if len(window) >= MIN_DIGITS and luhn_ok(window):
                return True
    return False


def _sequences(text: str):
    """The digit sequences of ``text`` that have 13 digits or more, as lists of groups."""
    for match in _SEQUENCE.finditer(text):
        sequence = match.group()
        if len(sequence) >= MIN_DIGITS:
            groups = _groups(sequence)
            if sum(map(len, groups)) >= MIN_DIGITS:
                yield groups


def has_card_number(text: str) -> bool:
    """True when ``text`` holds what may be a full card number (see the module's doc)."""
    if not text or len(text) < MIN_DIGITS:
        return False
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return any(has_luhn_window(groups) for groups in _sequences(text))


def receipt_has_card_number(receipt: str) -> bool:
    """A receipt number: unbroken runs of 13-19 digits, or dash-joined groups of 1-6 digits
    (``4111-1111-1111-1111``) adding up to 13-19, window by window."""
    text = unicodedata.normalize("NFKC", receipt or "")
    return any(has_luhn_window(_groups(m.group())) for m in _RECEIPT_GROUPS.finditer(text)
               if len(m.group()) >= MIN_DIGITS)


def is_gtin(code: str) -> bool:
    """An EAN-8, UPC-A, EAN-13 or GTIN-14 product code with a valid GS1 check digit."""
    if not (code.isascii() and code.isdigit() and len(code) in (8, 12, 13, 14)):
        return False
    body = code[:-1]
    total = sum((3 if i % 2 == 0 else 1) * (ord(d) - 48) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == ord(code[-1]) - 48


def sku_has_card_number(sku: str) -> bool:
    """Product codes are exempt only when they are real GS1 codes: EAN-13 codes often pass
    Luhn, but a 16-digit Luhn number is no product code."""
    return has_card_number(sku) and not is_gtin(sku.strip())


REDACTED = "[card number removed]"


def redact(text: str) -> str:
    """``text`` with every digit sequence that may hold a card number replaced (for logs)."""
    if not has_card_number(text):
        return text
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)

    def replace(match: re.Match[str]) -> str:
        seq = match.group()
        return REDACTED if len(seq) >= MIN_DIGITS and has_luhn_window(_groups(seq)) else seq

    return _SEQUENCE.sub(replace, text)
