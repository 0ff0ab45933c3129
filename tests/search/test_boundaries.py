"""The search package stays a library: no forum, no Flask, Whoosh in one module only."""

from __future__ import annotations

import ast
from pathlib import Path

from search import Index, MemoryIndex, WhooshIndex

PACKAGE = Path(__file__).resolve().parents[2] / "search"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_search_never_imports_the_forum_or_flask():
    for path in PACKAGE.rglob("*.py"):
        assert not imported_modules(path) & {"forum", "flask", "app", "sqlalchemy"}, path


def test_only_the_whoosh_package_imports_whoosh():
    importers = [p for p in PACKAGE.rglob("*.py") if "whoosh" in imported_modules(p)]
    assert importers
    assert all(p.parent == PACKAGE / "whoosh" for p in importers), importers


def test_whoosh_private_internals_are_used_in_one_module_only():
    """Private names of whoosh (attributes starting with "_") appear only in internals.py."""
    own = {"_compare", "_unique_batches", "_segment_of",
           "_build_segments", "_fill_in_process", "_tier"}
    for path in (PACKAGE / "whoosh").glob("*.py"):
        if path.name == "internals.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        private = {
            node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        }
        assert private <= own, (path.name, private - own)


def test_both_indexes_satisfy_the_index_protocol(tmp_path, vocabulary):
    assert isinstance(MemoryIndex(vocabulary), Index)
    assert isinstance(WhooshIndex(tmp_path, vocabulary), Index)
