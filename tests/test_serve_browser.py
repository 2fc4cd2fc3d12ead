"""``cashier-tui serve --demo`` in a real browser: headless Chromium signs in and gets to the
lookup screen, and the till's keys (Enter, F-keys, Escape) work through the page.

The terminal in the page is drawn on a canvas, so the test reads what the till did from the
till's own log file (each screen it shows is logged), not from the page's pixels. It skips on
a machine without Chromium, its driver or selenium — but never under CI=true, where the
project's CI setup installs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1200,800")


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        return "Debian chromium and chromium-driver are not installed"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, what: str, timeout: float = 30.0):
    """Poll an outside process (a server, a log file) until it is ready, with a deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def served(tmp_path):
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser test must run in CI: {reason}")
        pytest.skip(reason)
    port = _free_port()
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), CASHIER_TUI_LOG_LEVEL="INFO")
    server = subprocess.Popen(
        [sys.executable, "-m", "cashier_tui", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _listening(port) or server.poll() is not None, "the server")
        assert server.poll() is None, "serve exited at once"
        yield port, tmp_path / "state" / "cashier-tui" / "log" / "cashier-tui.log"
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROME_FLAGS, f"--user-data-dir={tmp_path / 'chrome'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chrome", ignore_errors=True)


def _screens(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [line.rsplit("screen shown: ", 1)[1].strip()
            for line in log.read_text(encoding="utf-8").splitlines()
            if "screen shown: " in line]


def test_a_trainer_signs_in_through_the_browser(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    port, log = served
    browser.get(f"http://127.0.0.1:{port}")
    keyboard = WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea"))
    _wait_for(lambda: "SignInScreen" in _screens(log), "the sign-in screen")

    keyboard.send_keys("T1" + Keys.ENTER + "1111" + Keys.ENTER)  # as a badge scan types
    _wait_for(lambda: "LookupScreen" in _screens(log), "the lookup screen after sign-in")

    keyboard.send_keys(Keys.F1)
    _wait_for(lambda: _screens(log)[-1:] == ["HelpScreen"], "help after F1")
    keyboard.send_keys(Keys.ESCAPE)
    _wait_for(lambda: _screens(log)[-1:] == ["LookupScreen"], "back to lookup after Escape")
