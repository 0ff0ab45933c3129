"""The dependency rule: app -> forum -> {moderation, search}; never the other way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "moderation": {"flask", "flask_sqlalchemy", "sqlalchemy", "forum", "search", "whoosh", "app"},
    "search": {"flask", "flask_sqlalchemy", "sqlalchemy", "forum", "moderation", "app"},
}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_library_packages_do_not_import_the_web_application(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_whoosh_is_imported_only_in_its_subpackage():
    users = [path for path in (ROOT / "search").rglob("*.py")
             if "whoosh" in imported_top_levels(path)]
    if not users:
        pytest.skip("search/ does not use Whoosh yet")
    assert all(path.parent == ROOT / "search" / "whoosh" for path in users), users


def test_no_production_module_is_over_500_lines():
    """A module that grows past a page or ten is doing more than one job: split it by concept."""
    sources = [ROOT / "app.py", *[path for package in ("forum", "search", "moderation")
                                  for path in (ROOT / package).rglob("*.py")]]
    long = {str(path.relative_to(ROOT)): count for path in sources
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}
