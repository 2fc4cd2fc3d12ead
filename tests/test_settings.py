"""Settings: flag > env > file > default, and errors that say where the bad value is."""

from __future__ import annotations

from pathlib import Path

import pytest

from cashier_tui.domain.policy import Policy
from cashier_tui.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.upper().startswith("CASHIER_TUI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))


def _toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path):
    s = load_settings()
    assert (s.db, s.printer, s.printer_profile, s.printer_timeout_s) == (
        None, "preview", "TM-T20II", 4.0)
    assert (s.voucher_cjk, s.cjk_font, s.lang, s.log_level, s.demo) == (
        "gb18030", None, None, "INFO", False)
    assert (s.store_id, s.till_id, s.store_header, s.currency) == (
        "S01", "T01", [], "CNY")
    assert s.refund_url_base is None and s.stable_ui is False
    assert s.policy() == s.refund_policy() == Policy(window_days=30, approval_threshold=50000,
                                                     gateway_max_days=365)
    assert s.config_path == tmp_path / "xdg-config" / "cashier-tui" / "config.toml"
    assert not s.config_loaded
    assert s.db_url() == f"sqlite:///{tmp_path / 'xdg-data' / 'cashier-tui' / 'cashier.db'}"
    assert s.secret_path == s.secret_file() == tmp_path / "xdg-data" / "cashier-tui" / "secret.key"
    assert (s.paper_mm, s.columns) == (80, 48)


def test_file_beats_default(tmp_path):
    _toml(tmp_path / "xdg-config" / "cashier-tui" / "config.toml", """
printer = "tcp://10.0.0.9"
printer_profile = "POS-5890"
store_header = ["Shop 1", "Road 2"]
[policy]
window_days = 10
""")
    s = load_settings()
    assert s.config_loaded
    assert (s.printer, s.columns, s.store_header) == ("tcp://10.0.0.9", 32, ["Shop 1", "Road 2"])
    assert s.policy.window_days == 10 and s.policy.approval_threshold == "500.00"


def test_env_beats_file_and_nested_keys_merge(tmp_path, monkeypatch):
    config = _toml(tmp_path / "c.toml", """
printer = "tcp://10.0.0.9"
[policy]
window_days = 10
approval_threshold = "800"
""")
    monkeypatch.setenv("CASHIER_TUI_PRINTER", "file:/tmp/out.bin")
    monkeypatch.setenv("CASHIER_TUI_POLICY__WINDOW_DAYS", "20")
    monkeypatch.setenv("CASHIER_TUI_STORE_HEADER", '["From env"]')
    s = load_settings(config)
    assert s.printer == "file:/tmp/out.bin"
    assert s.store_header == ["From env"]
    assert s.policy() == Policy(window_days=20, approval_threshold=80000, gateway_max_days=365)


def test_self_approval_is_off_unless_the_settings_allow_it(tmp_path, monkeypatch):
    assert load_settings().policy().self_approval is False
    config = _toml(tmp_path / "c.toml", "[policy]\nself_approval = true\n")
    assert load_settings(config).policy().self_approval is True
    monkeypatch.setenv("CASHIER_TUI_POLICY__SELF_APPROVAL", "no")
    assert load_settings(config).policy().self_approval is False


def test_flag_beats_env(monkeypatch):
    monkeypatch.setenv("CASHIER_TUI_PRINTER", "file:/tmp/out.bin")
    monkeypatch.setenv("CASHIER_TUI_LANG", "zh")
    s = load_settings(printer="tcp://127.0.0.1:9100", lang=None, demo=True)
    assert (s.printer, s.lang, s.demo) == ("tcp://127.0.0.1:9100", "zh", True)


def test_config_file_from_env_and_flag(tmp_path, monkeypatch):
    by_env = _toml(tmp_path / "env.toml", 'till_id = "T07"\n')
    by_flag = _toml(tmp_path / "flag.toml", 'till_id = "T09"\n')
    monkeypatch.setenv("CASHIER_TUI_CONFIG", str(by_env))
    assert load_settings().till_id == "T07"
    s = load_settings(by_flag)
    assert (s.till_id, s.config_path) == ("T09", by_flag)


def test_named_file_must_exist(tmp_path):
    with pytest.raises(SettingsError, match=r"missing\.toml: settings file not found"):
        load_settings(tmp_path / "missing.toml")


def test_bad_toml_names_the_file_and_line(tmp_path):
    config = _toml(tmp_path / "bad.toml", 'printer = "preview"\nlang = zh\n')
    with pytest.raises(SettingsError) as err:
        load_settings(config)
    assert str(err.value).startswith(f"{config}: not valid TOML")
    assert "line 2" in str(err.value)


@pytest.mark.parametrize(("text", "key", "words"), [
    ("printer_timeout_s = -1\n", "printer_timeout_s", "greater than 0"),
    ('lang = "fr"\n', "lang", "'en' or 'zh'"),
    ('printer_profile = "TM-X"\n', "printer_profile", "TM-T20II"),
    ('prnter = "preview"\n', "prnter", "unknown setting"),
    ('currency = "ABC"\n', "currency", "ISO 4217"),
    ('store_timezone = "Mars/Olympus"\n', "store_timezone", 'such as "Asia/Shanghai"'),
    ('store_timezone = "../etc"\n', "store_timezone", 'such as "Asia/Shanghai"'),
    ('[policy]\napproval_threshold = "5.001"\n', "policy.approval_threshold", "decimals"),
    ('[policy]\nwindow_days = "soon"\n', "policy.window_days", "integer"),
    ('[policy]\nwindow = 3\n', "policy.window", "unknown setting"),
    ('[policy]\nself_approval = "maybe"\n', "policy.self_approval", "true or false"),
])
def test_bad_value_in_file_names_file_and_key(tmp_path, text, key, words):
    config = _toml(tmp_path / "c.toml", text)
    with pytest.raises(SettingsError) as err:
        load_settings(config)
    assert str(err.value).startswith(f"{config}: {key}: ")
    assert words in str(err.value)


def test_bad_value_in_env_names_the_variable(monkeypatch):
    monkeypatch.setenv("CASHIER_TUI_POLICY__WINDOW_DAYS", "-3")
    with pytest.raises(SettingsError, match="environment variable CASHIER_TUI_POLICY__WINDOW_DAYS"):
        load_settings()


def test_bad_flag_names_the_flag():
    with pytest.raises(SettingsError, match=r"^--lang: "):
        load_settings(lang="fr")


def test_threshold_in_a_currency_without_decimals(monkeypatch):
    monkeypatch.setenv("CASHIER_TUI_CURRENCY", "JPY")
    monkeypatch.setenv("CASHIER_TUI_POLICY__APPROVAL_THRESHOLD", "5000")
    assert load_settings().policy().approval_threshold == 5000


def test_small_conveniences(monkeypatch, tmp_path):
    monkeypatch.setenv("CASHIER_TUI_LOG_LEVEL", "debug")
    monkeypatch.setenv("CASHIER_TUI_DB", "")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    s = load_settings(secret_path="~/k.key", db=None)
    assert (s.log_level, s.db, s.ui_lang()) == ("DEBUG", None, "zh")
    assert s.secret_file() == Path("~/k.key").expanduser()
    assert load_settings(lang="en").ui_lang() == "en"


def test_password_is_hidden():
    s = load_settings(db="postgresql+psycopg://till:s3cret@db.example/shop")
    assert "s3cret" not in s.db_display() and "db.example/shop" in s.db_display()


def test_env_json_and_unknown_keys(monkeypatch):
    monkeypatch.setenv("CASHIER_TUI_PRNTER", "tcp://typo")  # names no setting: not a setting
    monkeypatch.setenv("CASHIER_TUI_CONFIG_DIR", "/nowhere")
    assert load_settings().printer == "preview"
    monkeypatch.setenv("CASHIER_TUI_POLICY__WINDOW", "3")
    with pytest.raises(SettingsError,
                       match=r"^environment variable CASHIER_TUI_POLICY__WINDOW: unknown"):
        load_settings()
    monkeypatch.delenv("CASHIER_TUI_POLICY__WINDOW")
    monkeypatch.setenv("CASHIER_TUI_POLICY__WINDOW_DAYS__MAX", "3")  # one level of nesting
    with pytest.raises(SettingsError, match=r"POLICY__WINDOW_DAYS__MAX: unknown setting"):
        load_settings()
    monkeypatch.delenv("CASHIER_TUI_POLICY__WINDOW_DAYS__MAX")
    monkeypatch.setenv("CASHIER_TUI_STORE_HEADER", "Shop 1")
    with pytest.raises(SettingsError, match=r"CASHIER_TUI_STORE_HEADER: not valid JSON"):
        load_settings()


def test_settings_are_read_only_values(tmp_path):
    s = load_settings(secret_path=tmp_path / "k", cjk_font="~/f.ttf")
    assert s.secret_path == tmp_path / "k" and s.cjk_font == Path("~/f.ttf").expanduser()
    with pytest.raises(AttributeError):
        s.printer = "tcp://elsewhere"  # type: ignore[misc]


def test_a_file_that_is_not_text(tmp_path):
    config = tmp_path / "c.toml"
    config.write_bytes(b"printer = \"\xff\xfe\"\n")
    with pytest.raises(SettingsError, match=r"c\.toml: not valid TOML: the file is not UTF-8"):
        load_settings(config)


@pytest.mark.parametrize(("name", "text", "words"), [
    ("CASHIER_TUI_DEMO", "maybe", "true or false"),
    ("CASHIER_TUI_PRINTER_TIMEOUT_S", "nan", "finite"),
    ("CASHIER_TUI_PRINTER_TIMEOUT_S", "121", "at most 120"),
    ("CASHIER_TUI_STORE_ID", "S" * 21, "at most 20 characters"),
    ("CASHIER_TUI_STORE_HEADER", '["ok", 3]', "a list of text"),
    ("CASHIER_TUI_POLICY", "[1]", "must be a table"),
])
def test_bad_values_from_the_environment(monkeypatch, name, text, words):
    monkeypatch.setenv(name, text)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(f"environment variable {name}: ") and words in str(err.value)


def test_values_from_the_environment_are_converted(monkeypatch):
    monkeypatch.setenv("CASHIER_TUI_DEMO", "yes")
    monkeypatch.setenv("CASHIER_TUI_STABLE_UI", "0")
    monkeypatch.setenv("CASHIER_TUI_PRINTER_TIMEOUT_S", " 2.5 ")
    monkeypatch.setenv("CASHIER_TUI_POLICY", '{"window_days": 7}')
    s = load_settings()
    assert (s.demo, s.stable_ui, s.printer_timeout_s, s.policy.window_days) == (
        True, False, 2.5, 7)


def test_a_setting_is_declared_once_with_its_check():
    """Each key is one field of Settings (or of its [policy] table) holding its default and
    its check: nothing else lists the keys."""
    from dataclasses import fields

    from cashier_tui.settings import PolicySettings, Settings

    for cls, not_keys in ((Settings, {"config_path", "config_loaded"}),
                          (PolicySettings, {"currency"})):
        for f in fields(cls):
            assert (f.name in not_keys) == (not f.metadata), f.name
            assert f.name in not_keys or callable(f.metadata.get("check")) or \
                f.metadata.get("table") is PolicySettings, f.name


def test_every_setting_has_a_check_and_its_default_passes_it():
    """A default its own check refuses would break every start."""
    from dataclasses import asdict

    from cashier_tui.settings import _FIELDS, Settings

    defaults = asdict(Settings())
    keys = set(defaults) - {"config_path", "config_loaded"}
    assert keys == set(_FIELDS)
    for key in keys - {"policy"}:
        assert _FIELDS[key](defaults[key]) == defaults[key], key
    policy = {k: v for k, v in defaults["policy"].items() if k != "currency"}
    assert set(policy) == set(_FIELDS["policy"])
    for key, value in policy.items():
        assert _FIELDS["policy"][key](value) == value, key


@pytest.mark.parametrize(("env", "lang"), [
    ({"LANGUAGE": "zh_CN", "LANG": "en_US.UTF-8"}, "zh"),  # config said en, the app ran zh
    ({"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LANGUAGE": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
    ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LANG": "C.UTF-8"}, "en"),
])
def test_settings_and_the_app_choose_one_language(monkeypatch, env, lang):
    from cashier_tui import i18n
    from cashier_tui.app import CashierApp

    def app_lang(settings) -> str:  # the app's choice; its services are never built here
        return CashierApp(settings, lambda _s: pytest.fail("built"), open_in_worker=True).lang

    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "CASHIER_TUI_LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    settings = load_settings()
    try:
        assert settings.ui_lang() == app_lang(settings) == lang
        assert load_settings(lang="en").ui_lang() == app_lang(load_settings(lang="en"))
    finally:
        i18n.set_language("en")


def test_printer_profiles_are_one_table():
    """Settings accept the profiles of printers.profiles and size the paper from it, as the
    print service does; no other module spells the table out."""
    from printers.profiles import PROFILES
    from printers.service import profile_columns

    for name, profile in PROFILES.items():
        s = load_settings(printer_profile=name)
        assert (s.paper_mm, s.columns) == profile
        assert profile_columns(name) == profile.columns
    with pytest.raises(SettingsError, match="must be 'TM-T20II' or 'POS-5890'"):
        load_settings(printer_profile="TM-X")
    root = Path(__file__).resolve().parent.parent
    holders = {str(p.relative_to(root)) for d in ("cashier_tui", "printers", "screens")
               for p in (root / d).rglob("*.py") if '"POS-5890":' in p.read_text("utf-8")
               or "'POS-5890':" in p.read_text("utf-8")}
    assert holders == {"printers/profiles.py"}


def test_store_timezone_gives_the_clock_its_zone(tmp_path):
    """Refund numbers, voucher times and sale times follow the store's zone, not the
    machine's (issue 16.12): the real clock reads the setting."""
    from datetime import timedelta

    from cashier_tui.composition import store_clock

    s = load_settings(_toml(tmp_path / "tz.toml", 'store_timezone = "Asia/Shanghai"\n'))
    assert s.store_timezone == "Asia/Shanghai"
    now = store_clock(s).now()
    assert now.utcoffset() == timedelta(hours=8) and str(now.tzinfo) == "Asia/Shanghai"
    assert store_clock(load_settings()).now().tzinfo is not None  # the machine's zone
