"""The shape of the house: no import cycle between any two modules, and a small shared core.

The import graph is grimp's (import-linter's engine): every import statement counts, those inside a
function and under TYPE_CHECKING too, since each is a dependency of the design even when it is
deferred at run time. A cycle is reported with the line of each import in it.
"""

from __future__ import annotations

import graphlib
import itertools
from pathlib import Path

import grimp
import pytest

PACKAGES = ("crawler", "pipelines", "warehouse", "ecei", "flows")
ROOT = Path(__file__).resolve().parents[1]
# the shared core at ecei/'s root (settings, outcome, moments, locks, the vocabularies); the rest lives
# in packages named for what they do
MAX_ROOT_MODULES = 12


def _cycle(graph: grimp.ImportGraph) -> list[str]:
    """One import cycle as `importer:line import` lines, or none."""
    sorter = graphlib.TopologicalSorter({m: graph.find_modules_directly_imported_by(m) for m in graph.modules})
    try:
        sorter.prepare()
    except graphlib.CycleError as error:
        cycle = list(reversed(error.args[1]))  # CycleError lists each module before the one it imports
        lines = []
        for importer, imported in itertools.pairwise(cycle):
            for detail in graph.get_import_details(importer=importer, imported=imported)[:1]:
                lines.append(f"{importer}:{detail['line_number']} {detail['line_contents']}")
        return lines
    return []


def test_no_module_imports_itself_back_through_others() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    cycle = _cycle(graph)
    assert not cycle, "an import cycle:\n  " + "\n  ".join(cycle)


def test_the_cycle_finder_sees_an_import_inside_a_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the guard above is only as good as its graph: a function-level import back must close a cycle
    package = tmp_path / "housepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from housepkg import b\n")
    (package / "b.py").write_text("def later() -> None:\n    from housepkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    cycle = _cycle(grimp.build_graph("housepkg", cache_dir=None))
    assert cycle == ["housepkg.a:1 from housepkg import b", "housepkg.b:2 from housepkg import a"] or cycle == [
        "housepkg.b:2 from housepkg import a",
        "housepkg.a:1 from housepkg import b",
    ]


def test_ecei_keeps_only_the_shared_core_at_its_root() -> None:
    root_modules = sorted(p.stem for p in (ROOT / "ecei").glob("*.py"))
    assert len(root_modules) <= MAX_ROOT_MODULES, root_modules
