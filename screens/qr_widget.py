"""``QRCode``: a QR code drawn with half-block characters, for a phone to scan off the screen.

Each terminal cell holds two modules, one above the other (▀ ▄ █ or a space), so modules
are square on a terminal whose cells are twice as high as wide. Colours are explicit RGB
black and white, never theme or ANSI colours: a dark theme, a terminal palette or the
"ansi" colour setting must not turn the code into light-on-dark (many phone scanners read
dark-on-light only) or grey-on-grey.

Quiet zone: the standard asks for 4 modules. A version-4 code (33 modules) with 4 needs
41 columns and 21 rows, which leaves an 80x24 screen only 3 rows for the title bar, the
training banner and both key rows. So the quiet zone is automatic: as large as 4 modules
while the code stays within 37 x 37 modules (37 columns, 19 rows), and never below 2:
version 1-3 codes (the text claim is version 3) get 4 modules, version 4 gets 2, which
zxing-cpp and phone scanners read (the tests decode it from the rendered cells).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

BLACK = "#000000"
WHITE = "#ffffff"
MAX_SIDE = 37  # modules, quiet zone included: 37 columns x 19 rows at most (version <= 4)
INK = Style(color=BLACK, bgcolor=WHITE)  # every cell: black ink on white paper


def auto_quiet_zone(modules: int) -> int:
    """The quiet zone for a code of ``modules`` modules (no quiet zone): 4 down to 2."""
    return max(2, min(4, (MAX_SIDE - modules) // 2))


def half_block_rows(matrix: list[list[bool]]) -> list[str]:
    """Characters for a module matrix (True = dark), two module rows per text row."""
    rows = []
    for y in range(0, len(matrix), 2):
        top = matrix[y]
        bottom = matrix[y + 1] if y + 1 < len(matrix) else [False] * len(top)
        pairs = zip(top, bottom, strict=True)
        rows.append("".join("█" if t and b else "▀" if t else "▄" if b else " " for t, b in pairs))
    return rows


class QRCode(Widget):
    """A QR code of ``data`` at error correction level M, in black and white cells."""

    DEFAULT_CSS = """
    QRCode {
        width: auto;
        height: auto;
    }
    """

    def __init__(self, data: str, *, quiet_zone: int | None = None, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._quiet_zone = quiet_zone
        self._data = ""
        self._rows: list[str] = []
        self.data = data

    @property
    def data(self) -> str:
        return self._data

    @data.setter
    def data(self, value: str) -> None:
        self._data = value
        self._rows = half_block_rows(self.matrix(value))
        self.refresh(layout=True)

    def matrix(self, data: str) -> list[list[bool]]:
        """The code's modules, quiet zone included (qrcode imported here, off the start path)."""
        import qrcode
        from qrcode.constants import ERROR_CORRECT_M

        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1)
        code.add_data(data)
        code.make(fit=True)
        bare = code.get_matrix()
        quiet = self._quiet_zone if self._quiet_zone is not None else auto_quiet_zone(len(bare))
        side = len(bare) + 2 * quiet
        blank = [False] * side
        return ([blank] * quiet
                + [[False] * quiet + row + [False] * quiet for row in bare]
                + [blank] * quiet)

    @property
    def rows(self) -> list[str]:
        """The text rows as drawn (for tests and for copying the code as text)."""
        return list(self._rows)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self._rows[0]) if self._rows else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows)

    def render_line(self, y: int) -> Strip:
        if 0 <= y < len(self._rows):
            row = self._rows[y]
            strip = Strip([Segment(row, INK)], len(row))
            return strip.extend_cell_length(self.size.width) if self.size.width else strip
        return Strip.blank(self.size.width)
