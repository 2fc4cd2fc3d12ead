"""The wheel must carry every package of the tree (a missing one only fails when installed)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_in_the_tree_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapped = {name: ROOT / path for name, path in config.get("package-dir", {}).items()}
    found = set()
    for top in ("cashier_tui", "screens", "printers"):
        for init in (ROOT / top).rglob("__init__.py"):
            package = init.parent.relative_to(ROOT)
            found.add(".".join(package.parts))
    found |= {name for name, path in mapped.items() if (path / "__init__.py").exists()}
    assert found - listed == set(), "add these to [tool.setuptools] packages"
