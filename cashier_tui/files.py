"""Private files and directories, whatever the umask (DESIGN.md §6, issue 17.7).

The database, the log and the signing secret hold staff names, PIN hashes, refunds: they are
created mode 0600, the directories that hold them 0700 (umask 000 would make them 0666/0777).
An existing directory of the user's is left as it is; a file the till owns is tightened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` and its missing parents, each created 0700 (nothing existing is changed)."""
    target = Path(path)
    missing, path = [], target
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(folder, DIR_MODE)  # mkdir's mode is masked by the umask
    return target


def private_file(path: str | os.PathLike[str]) -> Path:
    """Make sure ``path`` exists as a regular file of mode 0600 (a device, e.g. /dev/full,
    or a FIFO is left alone); its directory is made with :func:`private_dir`."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path
