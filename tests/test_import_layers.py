"""``scripts/import_cycles.py``: the project has no import circle, and the check finds one."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "import_cycles.py"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_cycles", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_project_has_no_import_circle_and_keeps_its_layers() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_circle_through_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    checker = _checker()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text("def f():\n    from pkg.a import x\n")
    (tmp_path / "pkg" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.d\n")
    (tmp_path / "pkg" / "d.py").write_text("import pkg.c\n")
    checker.ROOT = tmp_path
    known = checker.modules(("pkg",))
    graph = {name: checker.imported(name, path, known) for name, path in known.items()}
    assert checker.cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"]]  # c -> d is for type checking only


def test_an_import_against_the_layers_is_found() -> None:
    checker = _checker()
    graph = {"resolvers.x": {"schema.y"}, "hub.app": {"schema.schema"}, "hub.read": {"hub.models"}}
    assert checker.against_layers(graph) == ["resolvers.x -> schema.y"]
