"""The UI's languages (DESIGN.md §9): gettext catalogs for English and Simplified Chinese.

Strings are marked with ``_()`` where they are shown, and with ``N_()`` where they are only
named (class-level ``Binding`` descriptions); the screens translate ``N_`` strings when they
are built, so one process can run an English app and then a Chinese one (the tests do).

The catalogs live in ``cashier_tui/locale/{en,zh}/LC_MESSAGES/cashier_tui.po`` and are
compiled to ``.mo`` with ``babel.messages``; both are committed (tests/test_i18n.py checks
that every marked string has a Chinese translation and that the .mo matches the .po)::

    pybabel extract --no-location --sort-output -o cashier_tui/locale/cashier_tui.pot \
        cashier_tui/app.py screens printers
    pybabel update --no-fuzzy-matching -i cashier_tui/locale/cashier_tui.pot \
        -d cashier_tui/locale -D cashier_tui
    # translate the new msgid entries in zh/LC_MESSAGES/cashier_tui.po, then
    pybabel compile -d cashier_tui/locale -D cashier_tui
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "cashier_tui"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT_LANGUAGE


def normalise_language(value: str | None) -> str | None:
    """``zh_CN.UTF-8``, ``zh-Hans``, ``ZH`` -> ``zh``; ``en_US`` -> ``en``; else None."""
    if not value:
        return None
    head = value.strip().replace("-", "_").split(".")[0].split("_")[0].lower()
    return head if head in LANGUAGES else None


def system_language() -> str:
    """The language the environment asks for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for part in os.environ.get(var, "").split(":"):
            lang = normalise_language(part)
            if lang:
                return lang
    return DEFAULT_LANGUAGE


def choose_language(*candidates: str | None) -> str:
    """The first candidate that names a supported language, else the system's."""
    for candidate in candidates:
        lang = normalise_language(candidate)
        if lang:
            return lang
    return system_language()


def set_language(lang: str | None) -> str:
    """Switch the catalogs used by ``_``; returns the language now in use."""
    global _translations, _language
    chosen = normalise_language(lang) or DEFAULT_LANGUAGE
    _translations = gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[chosen], fallback=True
    )
    _language = chosen
    return chosen


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it yet."""
    return message
