"""The registry is the only list of platforms, and every platform package is in it."""

from __future__ import annotations

import importlib
from pathlib import Path

import adapters
from hub import regions
from hub.sync import PULLERS

_PACKAGES = sorted(
    p.name for p in (Path(adapters.__file__).parent).iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and not p.name.startswith("_")
)


def test_every_platform_package_is_registered_under_its_own_name() -> None:
    assert sorted(adapters.REGISTRY) == _PACKAGES
    for name in _PACKAGES:
        platform = importlib.import_module(f"adapters.{name}").PLATFORM
        assert adapters.REGISTRY[name] is platform
        assert platform.code == platform.info.code == name
        assert regions.parent_code_of(platform.info.scope_code) or platform.info.scope_code == "210000"


def test_pulled_platforms_are_those_with_a_puller() -> None:
    assert set(PULLERS) == {c for c, p in adapters.REGISTRY.items() if p.puller is not None}
    for code, puller in PULLERS.items():
        assert puller.code == code


def test_every_platform_has_its_tests_and_samples() -> None:
    here = Path(__file__).resolve().parent
    for code in adapters.REGISTRY:
        assert (here / code / "samples.py").exists(), code
        assert list((here / code).glob("test_*.py")), code


def test_the_adapter_guide_lists_exactly_the_registered_sources() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "adapters.md").read_text(encoding="utf-8")
    table = guide.split("## The sources", 1)[1].split("\n\n", 2)[1]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()[2:]]
    expected = [
        [f"`{code}`", p.info.name, p.info.scope_code, "yes" if p.puller else "no", f"`adapters/{code}/`"]
        for code, p in adapters.REGISTRY.items()
    ]
    assert rows == expected
