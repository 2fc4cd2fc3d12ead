"""The UI catalogs: complete in Chinese, compiled .mo matching the .po, placeholders kept."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from cashier_tui import i18n

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "cashier_tui" / "locale"



def marked() -> dict[str, str]:
    """Every string marked with _() or N_() in screens/ and cashier_tui/app.py."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        str(ROOT / "screens"), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS
    ):
        found.setdefault(message if isinstance(message, str) else message[0],
                         f"screens/{filename}:{lineno}")
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        str(ROOT / "cashier_tui"), method_map=[("app.py", "python"), ("i18n.py", "python")],
        keywords=DEFAULT_KEYWORDS,
    ):
        found.setdefault(message if isinstance(message, str) else message[0],
                         f"cashier_tui/{filename}:{lineno}")
    return found


def catalog(lang: str):
    with open(LOCALE / lang / "LC_MESSAGES" / "cashier_tui.po", "rb") as fh:
        return read_po(fh, locale=lang)


def fields(text: str | tuple[str, ...]) -> set[str]:
    """The placeholders of a message (of every form of a plural one)."""
    forms = (text,) if isinstance(text, str) else text
    return {name for form in forms for _lit, name, _spec, _conv in string.Formatter().parse(form)
            if name}


def plain(text):
    """A message's id or string: text, or a tuple of the forms of a plural one."""
    return text if isinstance(text, str) else tuple(text)


def translated(text) -> bool:
    return bool(text) if isinstance(text, str) else all(text)


def test_marked_strings_exist() -> None:
    assert len(marked()) > 150  # the extractor really reads the screens


def test_every_marked_string_has_a_chinese_translation() -> None:
    zh = catalog("zh")
    missing = [f"{where}: {msg!r}" for msg, where in marked().items()
               if not (zh.get(msg) and zh.get(msg).string) or zh.get(msg).fuzzy]
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_english_catalog_knows_every_string() -> None:
    en = catalog("en")
    assert not [msg for msg in marked() if en.get(msg) is None]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mo_matches_po(lang: str) -> None:
    po = catalog(lang)
    assert not po.fuzzy, "a fuzzy catalog header makes pybabel compile skip the catalog"
    with open(LOCALE / lang / "LC_MESSAGES" / "cashier_tui.mo", "rb") as fh:
        mo = read_mo(fh)
    want = {plain(m.id): plain(m.string) for m in po
            if m.id and translated(m.string) and not m.fuzzy}
    got = {plain(m.id): plain(m.string) for m in mo if m.id and translated(m.string)}
    # babel writes an untranslated plural to the .mo as its own msgids: not a translation
    got = {key: value for key, value in got.items() if key in want or key != value}
    assert got == want, "recompile: pybabel compile -d cashier_tui/locale -D cashier_tui"


def test_translations_keep_their_placeholders() -> None:
    wrong = [m.id for m in catalog("zh") if m.id and m.string
             and fields(m.id) != fields(m.string)]
    assert not wrong


def test_no_gettext_call_inside_an_f_string() -> None:
    """The extractor cannot see _() inside an f-string: such a string is never translated."""
    pattern = re.compile(r"\{_\(")
    offenders = [str(p.relative_to(ROOT)) for p in [*ROOT.glob("screens/*.py"),
                                                    ROOT / "cashier_tui" / "app.py"]
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders


def test_glossary_terms() -> None:
    """DESIGN.md §9: the words a cashier sees for the core ideas."""
    zh = catalog("zh")
    for english, chinese in [("Full refund", "全额退款"), ("Original route", "原路返回"),
                             ("Cash", "现金"), ("Reprint", "重打"), ("Void", "撤销"),
                             ("Manager approval", "主管授权"), ("Reason", "退款原因")]:
        assert zh.get(english).string == chinese


def test_switching_language() -> None:
    try:
        assert i18n.set_language("zh") == "zh"
        assert i18n._("New refund") == "新退款"
        assert i18n.set_language("en") == "en"
        assert i18n._("New refund") == "New refund"
        assert i18n.set_language("fr") == "en"
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize(("value", "lang"), [
    ("zh_CN.UTF-8", "zh"), ("zh-Hans", "zh"), ("ZH", "zh"), ("en_US.UTF-8", "en"),
    ("fr_FR", None), ("", None), (None, None),
])
def test_normalise_language(value: str | None, lang: str | None) -> None:
    assert i18n.normalise_language(value) == lang


def test_language_from_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.choose_language(None, "") == "zh"
    assert i18n.choose_language("en", None) == "en"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.choose_language(None) == "en"
