"""Where vouchers go, by URI: the adapters of the ``VoucherTarget`` port (:mod:`printers.port`).

``preview`` | ``file:PATH`` | ``tcp://HOST[:9100]`` | ``usb://VID:PID`` |
``serial:///dev/ttyUSB0?baud=9600`` | ``lp://QUEUE``: each scheme is registered in
:data:`TARGETS` with :func:`register_target`, the built-in ones as a third party would.

Each adapter sends finished ESC/POS bytes (rendered beforehand on a ``Dummy`` printer) with
a whole-job deadline, and raises :class:`PrinterError` with a code and a plain message.
python-escpos's classes (Network, Usb, Serial, LP) do the talking; they are imported
inside :meth:`send`, never at import time.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, parse_qs, urlsplit

from cashier_tui.registry import Registry

from .port import AGAIN, PrinterError, VoucherTarget, quiet
from .profiles import DEFAULT_PROFILE


@dataclass
class PreviewTarget(VoucherTarget):
    """Nothing leaves the till: jobs are kept (the last 10) for the app to show."""

    uri: str = "preview"
    jobs: list[bytes] = field(default_factory=list)

    def send(self, data: bytes, timeout_s: float) -> None:
        self.jobs = [*self.jobs[-9:], data]


@dataclass
class FileTarget(VoucherTarget):
    path: Path
    uri: str = ""

    def send(self, data: bytes, timeout_s: float) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as out:
                out.write(data)
        except OSError as exc:
            raise PrinterError("file_error", f"Cannot write the voucher to {self.path}: "
                               f"{exc.strerror or exc}. Check the path, {AGAIN}") from exc


@dataclass
class UsbTarget(VoucherTarget):
    vendor: int
    product: int
    profile: str = DEFAULT_PROFILE
    uri: str = ""

    def send(self, data: bytes, timeout_s: float) -> None:
        where = f"{self.vendor:04x}:{self.product:04x}"
        try:
            with quiet():
                from escpos.printer import Usb

                printer = Usb(self.vendor, self.product, timeout=int(timeout_s * 1000),
                              profile=self.profile)
                printer.open()
                try:
                    printer._raw(data)
                finally:
                    printer.close()
        except PrinterError:
            raise
        except Exception as exc:
            name = type(exc).__name__
            if name == "NoBackendError":
                raise PrinterError("usb_backend", "USB printing needs libusb, which is not "
                                   "installed (Debian: apt-get install libusb-1.0-0).") from exc
            if "Timeout" in name:
                raise PrinterError("timeout", f"The USB printer {where} did not take the "
                                   f"voucher in time. Check its paper and cover, {AGAIN}") from exc
            if name in ("DeviceNotFoundError", "USBNotFoundError"):
                raise PrinterError("offline", f"The USB printer {where} is not connected. "
                                   f"Check its cable and that it is on, {AGAIN}") from exc
            raise PrinterError("error", f"The USB printer {where} failed: {exc}. {AGAIN}") \
                from exc


@dataclass
class SerialTarget(VoucherTarget):
    device: str
    baud: int = 9600
    profile: str = DEFAULT_PROFILE
    uri: str = ""

    def send(self, data: bytes, timeout_s: float) -> None:
        try:
            with quiet():
                from escpos.printer import Serial

                printer = Serial(self.device, self.baud, timeout=timeout_s, profile=self.profile)
                printer.open()
                try:
                    printer.device.write_timeout = timeout_s
                    printer._raw(data)
                finally:
                    printer.close()
        except Exception as exc:
            name = type(exc).__name__
            if "Timeout" in name:
                raise PrinterError("timeout", f"The printer on {self.device} did not take the "
                                   f"voucher in time. Check its paper and cable, {AGAIN}") from exc
            if name == "DeviceNotFoundError":
                raise PrinterError("offline", f"The printer on {self.device} is not "
                                   f"connected. Check its cable and that it is on, {AGAIN}") \
                    from exc
            raise PrinterError("error", f"The printer on {self.device} failed: {exc}. "
                               f"{AGAIN}") from exc


@dataclass
class LpTarget(VoucherTarget):
    queue: str
    profile: str = DEFAULT_PROFILE
    uri: str = ""

    def send(self, data: bytes, timeout_s: float) -> None:
        if shutil.which("lp") is None or shutil.which("lpstat") is None:
            raise PrinterError("lp_missing", f"Printing to the queue {self.queue} needs the "
                               "CUPS lp command (Debian: apt-get install cups-client).")
        try:
            with quiet():
                from escpos.printer import LP

                printer = LP(self.queue, profile=self.profile)
                printer.open()
                printer._raw(data)
                printer.close()
        except Exception as exc:
            raise PrinterError("offline", f"The print queue {self.queue} cannot take the "
                               f"voucher: {exc}. Check it with lpstat, {AGAIN}") from exc


# --- the registry of URI schemes ------------------------------------------------------------
# A parser gets the stripped URI, its urlsplit parts and the printer profile, and returns the
# target, or None when the URI is not a valid one of its form.
TargetParser = Callable[[str, SplitResult, str], "VoucherTarget | None"]


@dataclass(frozen=True)
class TargetScheme:
    form: str  # how the URI is written, for the error message (``tcp://HOST[:9100]``)
    parse: TargetParser


TARGETS: Registry[TargetScheme] = Registry("printer target")


def register_target(scheme: str, form: str, parse: TargetParser) -> None:
    """Printer URIs ``scheme:...`` (or exactly ``scheme``, like ``preview``) go to ``parse``."""
    TARGETS.register(scheme, TargetScheme(form, parse))


def forms() -> str:
    """The URI forms of every registered scheme, for the messages."""
    return ", ".join(scheme.form for _name, scheme in TARGETS.items())


def parse_target(uri: str, profile: str = DEFAULT_PROFILE) -> VoucherTarget:
    """The target for a printer URI, or ``ValueError`` naming the forms that work."""
    text = (uri or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # an unbalanced [ in the host: no scheme but file: takes it
        parts = urlsplit("")
    name = (text.split(":", 1)[0] if ":" in text else text).lower()  # as urlsplit does
    found = TARGETS.get(name).parse(text, parts, profile) if name in TARGETS else None
    if found is None:
        raise ValueError(f"{uri!r} is not a printer address. Use one of: {forms()}")
    return found


def _preview(text: str, parts: SplitResult, profile: str) -> VoucherTarget | None:
    return PreviewTarget() if text == "preview" else None


def _file(text: str, parts: SplitResult, profile: str) -> VoucherTarget | None:
    if not text.startswith("file:"):
        return None
    path = text[len("file://"):] if text.startswith("file://") else text[len("file:"):]
    return FileTarget(Path(path), uri=text) if path else None


def _tcp(text: str, parts: SplitResult, profile: str) -> VoucherTarget | None:
    from .network import NetworkTarget

    if not parts.hostname or parts.path not in ("", "/"):
        return None
    try:
        port = parts.port or 9100
    except ValueError:
        return None
    return NetworkTarget(parts.hostname, port, profile=profile, uri=text)


def _usb(text: str, parts: SplitResult, profile: str) -> VoucherTarget | None:
    match = re.fullmatch(r"usb://(?:0x)?([0-9a-fA-F]{1,4}):(?:0x)?([0-9a-fA-F]{1,4})", text)
    if match is None:
        return None
    return UsbTarget(int(match[1], 16), int(match[2], 16), profile=profile, uri=text)


def _serial(text: str, parts: SplitResult, profile: str) -> VoucherTarget | None:
    if not parts.path.startswith("/") or parts.netloc:
        return None
    baud = parse_qs(parts.query).get("baud", ["9600"])[0]
    return SerialTarget(parts.path, int(baud), profile=profile, uri=text) \
        if baud.isdigit() else None


def _lp(text: str, parts: SplitResult, profile: str) -> VoucherTarget | None:
    if not re.fullmatch(r"[\w.@-]+", parts.netloc or "") or parts.path.strip("/"):
        return None
    return LpTarget(parts.netloc, profile=profile, uri=text)


# The built-in schemes, registered as a third party would register its own.
register_target("preview", "preview", _preview)
register_target("file", "file:PATH", _file)
register_target("tcp", "tcp://HOST[:9100]", _tcp)
register_target("usb", "usb://VID:PID", _usb)
register_target("serial", "serial:///dev/ttyUSB0?baud=9600", _serial)
register_target("lp", "lp://QUEUE", _lp)
FORMS = forms()
