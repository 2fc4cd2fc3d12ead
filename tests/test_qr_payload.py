"""The refund QR payload: round trip, size, tampering, scanner habits, the secret file."""

from __future__ import annotations

import stat
import threading

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_M

from cashier_tui.domain.errors import TillError
from cashier_tui.qrpayload import (
    INVALID_MESSAGE,
    InvalidRefundCode,
    RefundClaim,
    RefundCodec,
    load_or_create_secret,
)

SECRET = bytes(range(32))
NO = "R-T01-261122-0001"


def qr_version(payload: str) -> int:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    return code.version


@pytest.fixture(params=[None, "https://rf.shop.cn"], ids=["text", "url"])
def codec(request) -> RefundCodec:
    return RefundCodec(SECRET, request.param)


def test_round_trip(codec: RefundCodec) -> None:
    payload = codec.encode(NO, 23700, "CNY")
    assert codec.looks_like(payload)
    assert codec.decode(payload) == RefundClaim(NO, 23700, "CNY")


def test_formats() -> None:
    text = RefundCodec(SECRET).encode(NO, 23700, "CNY")
    assert text.startswith(f"RF1.{NO}.23700.CNY.") and len(text) == 42
    url = RefundCodec(SECRET, "https://rf.shop.cn/").encode(NO, 23700, "CNY")
    assert url.startswith(f"https://rf.shop.cn/{NO}?a=23700CNY&c=")
    assert url.rsplit("=", 1)[1] == text.rsplit(".", 1)[1]  # the same check code


@pytest.mark.parametrize("amount", [1, 23700, 9_999_999])
def test_version_at_most_4_at_level_m(codec: RefundCodec, amount: int) -> None:
    assert qr_version(codec.encode(NO, amount, "CNY")) <= 4
    assert qr_version(codec.encode("R-T12-261231-9999", amount, "USD")) <= 4


def test_text_claim_stays_version_4_for_any_amount() -> None:
    codec = RefundCodec(SECRET)
    assert qr_version(codec.encode("R-T12-261231-9999", 10**15 - 1, "CNY")) <= 4


def test_text_claim_is_alphanumeric_so_it_stays_small() -> None:
    payload = RefundCodec(SECRET).encode(NO, 23700, "CNY")
    assert set(payload) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert qr_version(payload) == 3


def test_scanner_habits_are_accepted(codec: RefundCodec) -> None:
    payload = codec.encode(NO, 500, "CNY")
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in payload)
    for typed in (f"  {payload}\n", payload.lower(), payload.upper(), payload.swapcase(),
                  full_width):
        assert codec.decode(typed) == RefundClaim(NO, 500, "CNY"), typed


def test_url_from_an_earlier_base_still_verifies() -> None:
    old = RefundCodec(SECRET, "https://o.shop.cn").encode(NO, 500, "CNY")
    assert RefundCodec(SECRET, "https://rf.shop.cn").decode(old).refund_no == NO
    assert RefundCodec(SECRET).decode(old).amount == 500


def _altered(payload: str) -> list[str]:
    check = payload[-10:]
    flipped = check[:4] + ("A" if check[4] != "A" else "B") + check[5:]
    return [
        payload.replace("500", "900"),  # amount raised
        payload.replace("500", "5000"),
        payload.replace("CNY", "USD"),
        payload.replace(NO, "R-T01-261122-0002"),
        payload[:-10] + flipped,
        payload[:-1],  # truncated
        payload[: len(payload) // 2],
        payload + "A",
    ]


def test_altered_and_truncated_codes_are_rejected(codec: RefundCodec) -> None:
    payload = codec.encode(NO, 500, "CNY")
    for bad in _altered(payload):
        assert bad != payload
        with pytest.raises(InvalidRefundCode) as info:
            codec.decode(bad)
        assert info.value.message == INVALID_MESSAGE
        assert isinstance(info.value, TillError) and info.value.code == "invalid_refund_code"


def test_codes_of_another_store_are_rejected(codec: RefundCodec) -> None:
    other = RefundCodec(b"another store's secret, 32 bytes", codec.url_base)
    payload = other.encode(NO, 500, "CNY")
    assert codec.looks_like(payload)  # shaped like one: the lookup says "not valid"
    with pytest.raises(InvalidRefundCode):
        codec.decode(payload)


def test_forged_codes_are_rejected(codec: RefundCodec) -> None:
    for forged in (f"RF1.{NO}.500.CNY.AAAAAAAAAA", f"https://rf.shop.cn/{NO}?a=500CNY&c=",
                   "RF1.", "https://example.com/", ""):
        with pytest.raises(InvalidRefundCode):
            codec.decode(forged)


def test_receipt_numbers_do_not_look_like_refund_codes(codec: RefundCodec) -> None:
    for scan in ("S01-T02-20261120-0042", NO, "6901234567892", "rf1", ""):
        assert not codec.looks_like(scan)


def test_bad_inputs_to_encode() -> None:
    codec = RefundCodec(SECRET)
    for args in (("r t01", 1, "CNY"), (NO, -1, "CNY"), (NO, 1.5, "CNY"), (NO, 1, "cny")):
        with pytest.raises(ValueError):
            codec.encode(*args)
    with pytest.raises(ValueError, match="too long"):
        RefundCodec(SECRET, "https://refunds.a-very-long-store-name.example.com")
    with pytest.raises(ValueError, match="http"):
        RefundCodec(SECRET, "rf.shop.cn")
    with pytest.raises(ValueError):
        RefundCodec(b"short")


def test_secret_file_is_created_0600_and_kept(tmp_path) -> None:
    path = tmp_path / "deep" / "dir" / "refund.key"
    secret = load_or_create_secret(path)
    assert len(secret) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == secret
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    assert load_or_create_secret(tmp_path / "other.key") != secret


def test_secret_created_once_by_racing_tills(tmp_path) -> None:
    path = tmp_path / "refund.key"
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        results.append(load_or_create_secret(path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 1


def test_damaged_secret_is_reported(tmp_path) -> None:
    path = tmp_path / "refund.key"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="damaged"):
        load_or_create_secret(path)
