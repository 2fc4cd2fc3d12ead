"""Settings (DESIGN.md §3): flag > environment (``CASHIER_TUI_*``) > TOML file > defaults.

The file is ``--config FILE``, else ``$CASHIER_TUI_CONFIG``, else ``config.toml`` in the user
config dir; it has the same keys as :class:`Settings`, with a ``[policy]`` table. Nested keys
come from the environment with ``__``: ``CASHIER_TUI_POLICY__WINDOW_DAYS=10``; a list or a
table from the environment is JSON. A bad file or value is a :class:`SettingsError` whose
message names the file (or variable, or flag) and key.

Settings are read on every start, before the first screen is painted, so this stays light
(DESIGN.md §10): the three sources are merged here in a few lines and each key is checked by
:mod:`cashier_tui.settings_checks`. A key is declared once, as a field of :class:`Settings`
(or of its ``[policy]`` table) holding its default and its check. Through pydantic-settings
this took ~90 ms, more than half of a bare Textual app's whole start (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from datetime import tzinfo
from pathlib import Path
from typing import Any

from printers.profiles import DEFAULT_PROFILE, PROFILES

from .domain.policy import Policy
from .i18n import LANGUAGES, choose_language
from .money import MoneyError, exponent, parse_amount
from .settings_checks import (
    Check,
    choice,
    flag,
    number,
    optional,
    path,
    text,
    texts,
    time_zone,
)

APP_NAME = "cashier-tui"
ENV_PREFIX = "CASHIER_TUI_"
CONFIG_ENV = "CASHIER_TUI_CONFIG"


class SettingsError(ValueError):
    """Settings that cannot be used; the message names where the bad value came from."""


def checked(check: Check) -> dict[str, Check]:
    """A field's metadata: the check of its key (a setting is declared once, with its
    default and its check)."""
    return {"check": check}


@dataclass(frozen=True)
class PolicySettings:
    """The refund policy as written in settings; ``approval_threshold`` is a decimal string."""

    window_days: int = field(default=30, metadata=checked(number(int, ge=0, le=3650)))
    approval_threshold: str = field(default="500.00", metadata=checked(text()))
    gateway_max_days: int = field(default=365, metadata=checked(number(int, ge=0, le=36500)))
    # a manager may approve their own refund (recorded)
    self_approval: bool = field(default=False, metadata=checked(flag))
    currency: str = field(default="CNY", repr=False)  # the settings' currency, not a key

    def __call__(self) -> Policy:
        """``settings.policy()``: the domain Policy, the threshold in minor units."""
        return Policy(window_days=self.window_days,
                      approval_threshold=parse_amount(self.approval_threshold, self.currency),
                      gateway_max_days=self.gateway_max_days,
                      self_approval=self.self_approval)


@dataclass(frozen=True)
class Settings:
    # a path or SQLAlchemy URL; None: SQLite in the user data dir
    db: str | None = field(default=None, metadata=checked(optional(text())))
    # preview | file:PATH | tcp://HOST[:PORT] | usb://... | lp://Q
    printer: str = field(default="preview", metadata=checked(text(min_length=1)))
    printer_profile: str = field(default=DEFAULT_PROFILE, metadata=checked(choice(*PROFILES)))
    printer_timeout_s: float = field(default=4.0, metadata=checked(number(float, gt=0, le=120)))
    voucher_cjk: str = field(default="gb18030", metadata=checked(choice("gb18030", "image")))
    cjk_font: Path | None = field(default=None, metadata=checked(optional(path)))
    lang: str | None = field(default=None,  # None: from the locale
                             metadata=checked(optional(choice(*LANGUAGES))))
    log_level: str = field(default="INFO", metadata=checked(choice(
        "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", upper=True)))
    store_id: str = field(default="S01", metadata=checked(text(min_length=1, max_length=20)))
    till_id: str = field(default="T01", metadata=checked(text(min_length=1, max_length=20)))
    # Lines at the top of every voucher; none by default: a real till must not print a
    # made-up store name (training vouchers get DEMO_STORE_HEADER, printers/service.py).
    store_header: list[str] = field(default_factory=list, metadata=checked(texts))
    currency: str = field(default="CNY", metadata=checked(text()))
    # The store's IANA time zone ("Asia/Shanghai"); None: the machine's. Refund numbers,
    # voucher times and sale times on screen are all in it.
    store_timezone: str | None = field(default=None, metadata=checked(optional(time_zone)))
    refund_url_base: str | None = field(default=None, metadata=checked(optional(text())))
    # None given: secret.key in the user data dir
    secret_path: Path | None = field(default=None, metadata=checked(optional(path)))
    policy: PolicySettings = field(default_factory=PolicySettings,
                                   metadata={"table": PolicySettings})
    demo: bool = field(default=False, metadata=checked(flag))
    # no cursor blink, no animations (snapshots, slow terminals)
    stable_ui: bool = field(default=False, metadata=checked(flag))
    config_path: Path | None = None  # the settings file read, or that would be (not a key)
    config_loaded: bool = False

    # --- derived values -------------------------------------------------------------
    def zone(self) -> tzinfo | None:
        """The store's time zone, or None for the machine's."""
        if not self.store_timezone:
            return None
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.store_timezone)

    def refund_policy(self) -> Policy:
        """The domain Policy, the threshold in minor units (same as ``policy()``)."""
        return self.policy()

    @property
    def paper_mm(self) -> int:
        return PROFILES[self.printer_profile].paper_mm

    @property
    def columns(self) -> int:
        return PROFILES[self.printer_profile].columns

    def db_url(self) -> str:
        from .storage.db import normalise_url

        return normalise_url(self.db)

    def db_display(self) -> str:
        """The database URL with any password hidden (``--help``, ``config``, logs)."""
        from .storage.db import display_url

        return display_url(self.db_url())

    def secret_file(self) -> Path:
        return self.secret_path or user_data_dir() / "secret.key"  # always set once loaded

    @property
    def log_file(self) -> Path:
        from .logging_setup import default_log_file

        return default_log_file()

    def ui_lang(self) -> str:
        """The language the app runs in: ``lang``, else what the locale asks for (the one
        decision, :func:`cashier_tui.i18n.choose_language`, that the app makes too)."""
        return choose_language(self.lang)


# --- the checks of each key, from the fields; a table is a dict of its own keys' checks ---
def _checks(cls: type) -> dict[str, Any]:
    return {f.name: _checks(f.metadata["table"]) if "table" in f.metadata
            else f.metadata["check"] for f in fields(cls) if f.metadata}


_FIELDS: dict[str, Any] = _checks(Settings)
_TABLES = {key for key, check in _FIELDS.items() if isinstance(check, dict)}
_JSON_KEYS = {"store_header", *_TABLES}  # from the environment, these values are JSON


# --- the sources -----------------------------------------------------------------------
def user_config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def user_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_file(config: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """The settings file to read and whether it was named explicitly (then it must exist)."""
    if config:
        return Path(config).expanduser(), True
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser(), True
    return user_config_dir() / "config.toml", False


def _read_toml(path: Path, explicit: bool) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise SettingsError(f"{path}: settings file not found") from None
        return {}
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the settings file: {exc.strerror}") from None
    import tomllib  # only when there is a file

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not valid TOML: the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


Origin = tuple[str, str]  # ("file", path) | ("env", variable) | ("flag", "")


def _from_env() -> list[tuple[dict[str, Any], Origin]]:
    """Settings from ``CASHIER_TUI_*`` variables (names in any case), one per variable.
    A variable that names no setting (``CASHIER_TUI_CONFIG``, a typo) is not a setting."""
    found = []
    for name, raw in os.environ.items():
        if not name.upper().startswith(ENV_PREFIX):
            continue
        key, *sub = name[len(ENV_PREFIX):].lower().split("__")
        if key not in _FIELDS or (sub and key not in _TABLES):
            continue
        value: Any = raw
        if key in _JSON_KEYS and not sub:
            import json  # only here: the start path reads no JSON

            try:
                value = json.loads(raw)
            except ValueError:
                raise SettingsError(f"environment variable {name}: not valid JSON (a list is "
                                    'written ["a", "b"], a table {"key": 1})') from None
        found.append(({key: {"__".join(sub): value} if sub else value}, ("env", name)))
    return found


def _merge(sources: list[tuple[dict[str, Any], Origin]]) -> tuple[dict, dict]:
    """The sources laid over each other, lowest first (tables merged key by key), and where
    each key came from."""
    merged: dict[str, Any] = {}
    origin: dict[tuple[str, ...], Origin] = {}
    for values, source in sources:
        for key, value in values.items():
            if key in _TABLES and isinstance(value, dict):
                old = merged.get(key)
                merged[key] = {**old, **value} if isinstance(old, dict) else value
                origin.update({(key, sub): source for sub in value})
            else:
                merged[key] = value
            origin[(key,)] = source
    return merged, origin


def _where(origin: dict[tuple[str, ...], Origin], loc: tuple[str, ...]) -> str:
    """Where the value at ``loc`` came from, as a message starts."""
    key = ".".join(loc)
    for n in range(len(loc), 0, -1):
        if loc[:n] in origin:
            kind, name = origin[loc[:n]]
            return {"flag": f"--{loc[0].replace('_', '-')}",
                    "env": f"environment variable {name}", "file": f"{name}: {key}"}[kind]
    return f"settings: {key}"


def _checked(fields: dict[str, Any], data: dict[str, Any], origin: dict,
             errors: list[str], loc: tuple[str, ...] = ()) -> dict[str, Any]:
    """``data`` through the checks of ``fields``; what fails goes to ``errors``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        where, check = _where(origin, (*loc, key)), fields.get(key)
        if check is None:
            errors.append(f"{where}: unknown setting")
        elif isinstance(check, dict):
            if isinstance(value, dict):
                out[key] = _checked(check, value, origin, errors, (*loc, key))
            else:
                errors.append(f"{where}: must be a table ([{key}] in the file), not {value!r}")
        else:
            try:
                out[key] = check(value)
            except ValueError as exc:
                errors.append(f"{where}: {exc}")
    return out


def _check(merged: dict[str, Any], origin: dict) -> dict[str, Any]:
    """Each key's check, then those across keys (the currency, the threshold in it)."""
    errors: list[str] = []
    values = _checked(_FIELDS, merged, origin, errors)
    if not errors:
        currency = values.get("currency", Settings.currency)
        threshold = values.get("policy", {}).get("approval_threshold",
                                                  PolicySettings.approval_threshold)
        try:
            exponent(currency)
        except MoneyError as exc:
            errors.append(f"{_where(origin, ('currency',))}: {exc}")
        else:
            try:
                parse_amount(threshold, currency, allow_zero=True)
            except MoneyError as exc:
                errors.append(f"{_where(origin, ('policy', 'approval_threshold'))}: {exc}")
    if errors:
        raise SettingsError("; ".join(errors))
    return values


def load_settings(config: str | os.PathLike[str] | None = None, **flags: Any) -> Settings:
    """Settings from flags (None means "not given"), environment, file and defaults."""
    path, explicit = config_file(config)
    given = {k: v for k, v in flags.items() if v is not None}
    merged, origin = _merge([(_read_toml(path, explicit), ("file", str(path))),
                             *_from_env(), (given, ("flag", ""))])
    values = _check(merged, origin)
    currency = values.get("currency", Settings.currency)
    policy = PolicySettings(**values.pop("policy", {}), currency=currency)
    secret = values.pop("secret_path", None) or user_data_dir() / "secret.key"
    return Settings(**values, policy=policy, secret_path=secret, config_path=path,
                    config_loaded=path.is_file())
