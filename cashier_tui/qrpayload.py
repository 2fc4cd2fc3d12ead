"""The refund QR payload: a short claim signed with the store's key.

A refund code carries the refund number, the amount (integer minor units) and the currency,
plus a check code: HMAC-SHA256 over those fields with the store's signing key, truncated to
50 bits and written as 10 base32 characters. The keys are shared by every till of the store
(:mod:`cashier_tui.services.store_keys`); the newest signs and every one verifies, so a code
needs no key id and stays as short as before. Two shapes, both verified the same way:

* text claim (no ``refund_url_base``): ``RF1.R-T01-261122-0001.12345.CNY.ABCDEFGHIJ``.
  Upper-case letters, digits, ``-`` and ``.`` only, so a QR encoder uses alphanumeric mode
  (5.5 bits a character instead of 8) and the code stays at version 3, level M.
* URL (``refund_url_base`` set): ``{base}/R-T01-261122-0001?a=12345CNY&c=ABCDEFGHIJ``:
  ``a`` is the amount in minor units followed by the currency, ``c`` the check code.

A keyboard-wedge scanner types the code into the lookup box, perhaps with its case changed
or (with an IME on) in full-width characters; :meth:`RefundCodec.decode` trims, folds
full-width to half-width and ignores case. 50 bits of HMAC is far more than anyone can guess
by scanning forged codes at a till (a handful of keys make a guess a few times likelier),
and keeps the code small enough to scan from a screen.

Domain code: no Textual, no escpos, no qrcode import here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cashier_tui.domain.codes import REFUND_NO_PATTERN, normalise_scan
from cashier_tui.domain.errors import TillError
from cashier_tui.files import private_dir

SECRET_BYTES = 32
CHECK_CHARS = 10  # base32 characters of the truncated HMAC (50 bits)
TEXT_PREFIX = "RF1"
# Byte capacity of a QR code of version 4 at level M (ISO/IEC 18004 table 7). A URL is
# encoded in byte mode, so this bounds it exactly.
QR_V4_M_BYTES = 62

_REFUND_NO_RE = re.compile(rf"^{REFUND_NO_PATTERN}$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_TEXT_RE = re.compile(
    rf"^{TEXT_PREFIX}\.(?P<no>{REFUND_NO_PATTERN})\.(?P<amount>\d{{1,16}})\.(?P<cur>[A-Z]{{3}})"
    rf"\.(?P<check>[A-Z2-7]{{{CHECK_CHARS}}})$"
)
_URL_RE = re.compile(
    rf"^HTTPS?://\S*?/(?P<no>{REFUND_NO_PATTERN})\?A=(?P<amount>\d{{1,16}})(?P<cur>[A-Z]{{3}})"
    rf"&C=(?P<check>[A-Z2-7]{{{CHECK_CHARS}}})$"
)
# What "looks like" a refund code: anything of either shape, valid or not, so that the lookup
# box sends it here (and says it is not valid) rather than searching for a receipt.
_LOOKS_TEXT_RE = re.compile(rf"^{TEXT_PREFIX}\.")
_LOOKS_URL_RE = re.compile(r"^HTTPS?://\S+/[A-Z0-9-]+\?A=")

INVALID_MESSAGE = "This refund code is not valid: it was altered or is not from this store."


class InvalidRefundCode(TillError):
    """A scanned refund code that is forged, altered, truncated or from another store."""

    code = "invalid_refund_code"

    def __init__(self, message: str = INVALID_MESSAGE) -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class RefundClaim:
    """What a verified refund code says: look the refund up by ``refund_no``."""

    refund_no: str
    amount: int  # minor units
    currency: str


def load_or_create_secret(path: Path) -> bytes:
    """The installation's signing secret: read it, or create 32 random bytes (mode 0600).

    Creation is atomic: the bytes are written to a private temporary file that is then
    hard-linked into place, so two tills starting at once both end up with the same secret.
    """
    path = Path(path)
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, os.urandom(SECRET_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process won the race: use its secret
    finally:
        tmp.unlink()
    return _read_secret(path)


load_secret = load_or_create_secret  # the name cashier_tui.app calls


def read_secret_if_any(path: Path | None) -> bytes | None:
    """The per-installation secret of an older version, if this till has one (never made)."""
    if path is None:
        return None
    try:
        return _read_secret(Path(path))
    except FileNotFoundError:
        return None


def _read_secret(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) < 16:
        raise ValueError(
            f"The signing secret {path} is damaged ({len(data)} bytes). Restore it from a "
            "backup; refund codes printed with the old secret cannot be verified without it."
        )
    return data


class RefundCodec:
    """Encodes refund claims for the QR code and verifies the ones scanned back.

    ``secret``: one key, or the store's keys with the signing key first; every key verifies.
    ``reload`` (optional) returns the store's keys again: a code that no key verifies is
    tried once more with them, so a till started before a rotation verifies the new codes.
    """

    def __init__(self, secret: bytes | Sequence[bytes], url_base: str | None = None, *,
                 reload: Callable[[], Sequence[bytes]] | None = None) -> None:
        self._set_keys([secret] if isinstance(secret, bytes | bytearray) else secret)
        self._reload = reload
        self.url_base = url_base.rstrip("/") if url_base else None
        if self.url_base is not None:
            _check_url_base(self.url_base)

    def _set_keys(self, keys: Sequence[bytes]) -> None:
        keys = list(keys)
        if not keys or any(not isinstance(k, bytes | bytearray) or len(k) < 16 for k in keys):
            raise ValueError("the refund code secret must be at least 16 bytes")
        self._keys = [bytes(k) for k in keys]
        self._secret = self._keys[0]  # signs

    def refresh(self) -> None:
        """Read the store's keys again (the app does it with each sweep): after a rotation
        a running till signs with the new key within a minute. Blocking: call it from a
        worker."""
        if self._reload is not None:
            self._set_keys(self._reload())

    def check_code(self, refund_no: str, amount: int, currency: str,
                   key: bytes | None = None) -> str:
        message = f"cashier-tui refund v1\x00{refund_no}\x00{amount}\x00{currency}".encode()
        digest = hmac.new(key or self._secret, message, hashlib.sha256).digest()
        return base64.b32encode(digest[:8]).decode()[:CHECK_CHARS]

    def encode(self, refund_no: str, amount: int, currency: str) -> str:
        """The QR payload for a refund. ``amount`` is in minor units."""
        if not _REFUND_NO_RE.match(refund_no or ""):
            raise ValueError(f"refund number {refund_no!r} is not 1-40 of A-Z, 0-9 and -")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise ValueError("the amount must be a non-negative int of minor units")
        if not _CURRENCY_RE.match(currency or ""):
            raise ValueError(f"{currency!r} is not an ISO 4217 currency code")
        check = self.check_code(refund_no, amount, currency)
        if self.url_base is None:
            return f"{TEXT_PREFIX}.{refund_no}.{amount}.{currency}.{check}"
        return f"{self.url_base}/{refund_no}?a={amount}{currency}&c={check}"

    def looks_like(self, text: str) -> bool:
        """True for anything shaped like a refund code (valid or not), never a receipt no."""
        norm = normalise_scan(text)
        if _LOOKS_TEXT_RE.match(norm) or _LOOKS_URL_RE.match(norm):
            return True
        return self.url_base is not None and norm.startswith(self.url_base.upper() + "/")

    def decode(self, text: str) -> RefundClaim:
        """Verify a scanned code and return its claim, or raise :class:`InvalidRefundCode`.

        A URL is accepted whatever its base, so that vouchers printed before the store changed
        ``refund_url_base`` still verify; only the check code decides.
        """
        norm = normalise_scan(text)
        match = _TEXT_RE.match(norm) or _URL_RE.match(norm)
        if match is None:
            raise InvalidRefundCode()
        refund_no, currency = match["no"], match["cur"]
        amount = int(match["amount"])
        if not self._verifies(refund_no, amount, currency, match["check"]):
            if self._reload is None:
                raise InvalidRefundCode()
            keys = list(self._reload())
            if keys == self._keys:
                raise InvalidRefundCode()
            self._set_keys(keys)  # another till rotated the store's key meanwhile
            if not self._verifies(refund_no, amount, currency, match["check"]):
                raise InvalidRefundCode()
        return RefundClaim(refund_no, amount, currency)

    def _verifies(self, refund_no: str, amount: int, currency: str, check: str) -> bool:
        found = False
        for key in self._keys:  # every key, not the first match: the time does not tell which
            found |= hmac.compare_digest(self.check_code(refund_no, amount, currency, key),
                                         check)
        return found


def _check_url_base(base: str) -> None:
    if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", base, re.IGNORECASE):
        raise ValueError(
            f"refund_url_base {base!r} must be an http(s) URL without a query, "
            "e.g. https://rf.shop.cn"
        )
    # A typical refund (17-character number, up to 99,999.99) must stay a version-4 QR.
    sample = f"{base}/R-T01-261122-0001?a=9999999CNY&c={'A' * CHECK_CHARS}"
    size = len(sample.encode())
    if size > QR_V4_M_BYTES:
        most = len(base.encode()) - (size - QR_V4_M_BYTES)
        raise ValueError(
            f"refund_url_base {base!r} is too long for a refund QR that scans from the "
            f"screen (QR version 4): use at most {most} characters, e.g. https://rf.shop.cn"
        )
