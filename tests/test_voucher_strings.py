"""The voucher's words come from the gettext catalogs, per voucher language (issue 4, §9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from printers.layout import Text, VoucherContext, build_voucher
from printers.strings import MESSAGES, STRINGS, method_label, reason_label, t
from screens.texts import METHODS, REASONS
from tests.printer_fakes import sample_refund

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "cashier_tui" / "locale" / "{lang}" / "LC_MESSAGES" / "cashier_tui.po"


def catalog(lang: str):
    with open(str(PO).format(lang=lang), "rb") as fh:
        return read_po(fh, locale=lang)


def test_every_voucher_string_is_marked_and_in_both_catalogs() -> None:
    marked = {message for _f, _l, message, _c, _x in extract_from_dir(
        str(ROOT / "printers"), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS)}
    assert set(MESSAGES.values()) <= marked  # pybabel extract ... printers finds them
    zh, en = catalog("zh"), catalog("en")
    missing = [m for m in MESSAGES.values()
               if en.get(m) is None or not (zh.get(m) and zh.get(m).string)
               or zh.get(m).fuzzy]
    assert not missing, f"add to the catalogs and compile: {missing}"


def test_chinese_from_the_compiled_catalog() -> None:
    assert all(t("zh", key) != english for key, english in MESSAGES.items()), [
        key for key, english in MESSAGES.items() if t("zh", key) == english]
    for key, chinese in [("title", "退款凭证"), ("reprint", "重打"), ("receipt_no", "小票"),
                         ("method_cash", "现金"),
                         ("approver", "主管授权"), ("reason", "退款原因")]:
        assert t("zh", key) == chinese
    assert "培训模式" in t("zh", "training")
    assert STRINGS["zh"]["reprint"] == "重打" and STRINGS["en"]["title"] == "Refund voucher"


def test_english_and_unknown_languages_are_the_msgids() -> None:
    assert all(t("en", key) == english for key, english in MESSAGES.items())
    assert t("fr", "title") == "Refund voucher"
    assert method_label("zh", "bitcoin") == "bitcoin"  # an unknown code as it is


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_paper_and_screen_use_the_same_words(lang: str) -> None:
    """A reason or method on the voucher reads as the screen words it (shared msgids)."""
    from cashier_tui.i18n import _, set_language

    try:
        set_language(lang)
        for method, english in METHODS.items():
            if method != "original":
                assert method_label(lang, method) == _(english), method
        for reason, english in REASONS.items():
            if reason != "other":  # the screen says "Other (say why)"
                assert reason_label(lang, reason) == _(english), reason
    finally:
        set_language("en")


def test_the_voucher_language_is_per_call_not_the_ui_language() -> None:
    """A Chinese voucher from an English screen (and back): no global language switch."""
    from cashier_tui.i18n import current_language

    before = current_language()
    zh = [op.text for op in build_voucher(sample_refund(), VoucherContext(lang="zh"))
          if isinstance(op, Text)]
    en = [op.text for op in build_voucher(sample_refund(), VoucherContext(lang="en"))
          if isinstance(op, Text)]
    assert "退款凭证" in zh and "Refund voucher" in en and current_language() == before
    assert any(line.startswith("小票:") for line in zh)
    assert any(line.startswith("Receipt:") for line in en)


def test_printers_import_no_textual() -> None:
    import subprocess
    import sys

    code = ("import sys, printers.service, printers.layout, printers.strings, "
            "printers.commands; print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
