"""Settings (DESIGN.md §3): flag > environment (``CASHIER_TUI_*``) > TOML file > defaults.

The file is ``--config FILE``, else ``$CASHIER_TUI_CONFIG``, else ``config.toml`` in the user
config dir; it has the same keys as :class:`Settings`, with a ``[policy]`` table. Nested keys
come from the environment with ``__``: ``CASHIER_TUI_POLICY__WINDOW_DAYS=10``. A bad file or
value is a :class:`SettingsError` whose message names the file (or variable, or flag) and key.
"""

from __future__ import annotations

import locale
import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, InitSettingsSource, SettingsConfigDict

from .domain.policy import Policy
from .money import MoneyError, exponent, parse_amount

APP_NAME = "cashier-tui"
ENV_PREFIX = "CASHIER_TUI_"
CONFIG_ENV = "CASHIER_TUI_CONFIG"
# printer_profile -> (paper width in mm, characters per line)
PRINTER_PROFILES = {"TM-T20II": (80, 48), "POS-5890": (58, 32)}

# What the settings file said, handed to the source below while load_settings builds one.
_FILE_DATA: ContextVar[dict[str, Any] | None] = ContextVar("cashier_tui_settings_file",
                                                           default=None)


class SettingsError(ValueError):
    """Settings that cannot be used; the message names where the bad value came from."""


class PolicySettings(BaseModel):
    """The refund policy as written in settings; ``approval_threshold`` is a decimal string."""

    model_config = ConfigDict(extra="forbid")

    window_days: int = Field(30, ge=0, le=3650)
    approval_threshold: str = "500.00"
    gateway_max_days: int = Field(365, ge=0, le=36500)
    _currency: str = PrivateAttr("CNY")

    def to_policy(self, currency: str) -> Policy:
        return Policy(window_days=self.window_days,
                      approval_threshold=parse_amount(self.approval_threshold, currency),
                      gateway_max_days=self.gateway_max_days)

    def __call__(self) -> Policy:
        """``settings.policy()``: the domain Policy in the settings' currency."""
        return self.to_policy(self._currency)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__",
                                      extra="forbid", validate_default=True)

    db: str | None = None  # a path or SQLAlchemy URL; None: SQLite in the user data dir
    printer: str = "preview"  # preview | file:PATH | tcp://HOST[:PORT] | usb://... | lp://Q
    printer_profile: Literal["TM-T20II", "POS-5890"] = "TM-T20II"
    printer_timeout_s: float = Field(4.0, gt=0, le=120)
    voucher_cjk: Literal["gb18030", "image"] = "gb18030"
    cjk_font: Path | None = None
    lang: Literal["en", "zh"] | None = None  # None: from the locale
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    store_id: str = Field("S01", min_length=1, max_length=20)
    till_id: str = Field("T01", min_length=1, max_length=20)
    store_header: list[str] = ["cashier-tui demo store"]
    currency: str = "CNY"
    refund_url_base: str | None = None
    secret_path: Path | None = None  # None: secret.key in the user data dir (filled in)
    policy: PolicySettings = PolicySettings()
    demo: bool = False
    stable_ui: bool = False  # no cursor blink, no animations (snapshots, slow terminals)

    _config_path: Path | None = PrivateAttr(None)
    _config_loaded: bool = PrivateAttr(False)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        return init_settings, env_settings, InitSettingsSource(settings_cls,
                                                                _FILE_DATA.get() or {})

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("db", "refund_url_base", "lang", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cjk_font", "secret_path")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("secret_path")
    @classmethod
    def _default_secret(cls, value: Path | None) -> Path:
        return value if value is not None else user_data_dir() / "secret.key"

    @field_validator("currency")
    @classmethod
    def _currency_known(cls, value: str) -> str:
        try:
            exponent(value)
        except MoneyError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _threshold_in_currency(self) -> Settings:
        try:
            parse_amount(self.policy.approval_threshold, self.currency, allow_zero=True)
        except MoneyError as exc:
            raise ValueError(f"policy.approval_threshold: {exc}") from None
        self.policy._currency = self.currency
        return self

    # --- derived values -------------------------------------------------------------
    def refund_policy(self) -> Policy:
        """The domain Policy, the threshold in minor units (same as ``policy()``)."""
        return self.policy.to_policy(self.currency)

    @property
    def config_path(self) -> Path | None:
        """The settings file that was read, or the one that would be (it may not exist)."""
        return self._config_path

    @property
    def config_loaded(self) -> bool:
        return self._config_loaded

    @property
    def paper_mm(self) -> int:
        return PRINTER_PROFILES[self.printer_profile][0]

    @property
    def columns(self) -> int:
        return PRINTER_PROFILES[self.printer_profile][1]

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
        """``lang``, or the locale's language when it is Chinese, else English."""
        if self.lang:
            return self.lang
        for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
            value = os.environ.get(var)
            if value:
                return "zh" if value.lower().startswith("zh") else "en"
        found = locale.getlocale()[0] or ""
        return "zh" if found.lower().startswith("zh") else "en"


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
    import tomllib

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        if explicit:
            raise SettingsError(f"{path}: settings file not found") from None
        return {}
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the settings file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


def _env_name(loc: tuple) -> str | None:
    wanted = [ENV_PREFIX + "__".join(str(p) for p in loc[:n]).upper()
              for n in range(len(loc), 0, -1)]
    present = {k.upper() for k in os.environ}
    return next((name for name in wanted if name in present), None)


def _explain(exc: ValidationError, path: Path, data: dict, flags: dict) -> str:
    lines = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not isinstance(p, int))
        message = error["msg"].removeprefix("Value error, ")
        if not loc:  # a check across fields names its key at the start of the message
            key, _, message = message.partition(": ")
            loc = tuple(key.split("."))
        key = ".".join(str(p) for p in loc)
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
        if loc[0] in flags:
            where = f"--{str(loc[0]).replace('_', '-')}"
        elif (env := _env_name(loc)) is not None:
            where = f"environment variable {env}"
        elif loc[0] in data:
            where = f"{path}: {key}"
        else:
            where = f"settings: {key}"
        lines.append(f"{where}: {message}")
    return "; ".join(lines)


def load_settings(config: str | os.PathLike[str] | None = None, **flags: Any) -> Settings:
    """Settings from flags (None means "not given"), environment, file and defaults."""
    path, explicit = config_file(config)
    data = _read_toml(path, explicit)
    given = {k: v for k, v in flags.items() if v is not None}
    token = _FILE_DATA.set(data)
    try:
        settings = Settings(**given)
    except ValidationError as exc:
        raise SettingsError(_explain(exc, path, data, given)) from None
    finally:
        _FILE_DATA.reset(token)
    settings._config_path = path
    settings._config_loaded = path.is_file()
    return settings
