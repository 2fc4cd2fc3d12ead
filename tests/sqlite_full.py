"""A full disk, as SQLite really reports it: ``PRAGMA max_page_count`` set to the pages the
file has makes every write that needs one more page fail with SQLITE_FULL ("database or disk
is full"), exactly as a full file system does, on any machine and without root.

``python -m tests.sqlite_full ARGS`` runs the command line with every SQLite database full.
"""

from __future__ import annotations

import sys

from sqlalchemy import Engine, event


def _full(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA max_page_count = 1")  # raised to the current size, no further
    cursor.close()


def make_full(engine: type[Engine] | Engine = Engine) -> None:
    """Every new connection of ``engine`` (default: of every engine) sees a full disk."""
    if isinstance(engine, Engine):
        engine.dispose()  # connections made before the disk filled up
    event.listen(engine, "connect", _full)


if __name__ == "__main__":
    from cashier_tui.cli import main

    make_full()
    sys.exit(main(sys.argv[1:]))
