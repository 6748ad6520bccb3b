"""Every import path the README documents still resolves; moved modules still work, warning.

The README is the public contract: its Python blocks' imports, the dotted paths
in their strings (``include("upcross.api.urls")``, middleware) and the dotted
paths in backticks must all resolve. A path that names a Celery task resolves
to a registered task; check ids and permissions are not import paths.
"""

from __future__ import annotations

import importlib
import re
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
NOT_IMPORTS = re.compile(r"^upcross\.([EW]\d+|[a-z]+_upcross_\w+|css)$")


def _python_blocks(text: str) -> list[str]:
    return [textwrap.dedent(block) for block in
            re.findall(r"^[ \t]*```python\n(.*?)^[ \t]*```", text, flags=re.M | re.S)]


def _paths_in_code(block: str) -> set[str]:
    """Imports and dotted-path strings of a block (regexes: blocks hold ``...`` elisions)."""
    paths: set[str] = set()
    for module, grouped, names in re.findall(
            r"^\s*from (upcross[\w.]*) import (?:\(([\w,\s]+)\)|([\w, ]+))", block, flags=re.M):
        names = grouped or names
        paths.update(f"{module}.{name.strip()}" for name in names.split(",") if name.strip())
    paths.update(re.findall(r"^\s*import (upcross[\w.]*)", block, flags=re.M))
    paths.update(re.findall(r"[\"'](upcross(?:\.\w+)+)[\"']", block))
    return paths


def readme_paths() -> set[str]:
    text = README.read_text()
    paths: set[str] = set()
    for block in _python_blocks(text):
        paths |= _paths_in_code(block)
    # ``upcross.consent(true)`` and the like are the tracking script's JavaScript API.
    paths.update(re.findall(r"`(upcross(?:\.\w+)+)(?:\((?!true|false)|`)", text))
    return {path for path in paths if not NOT_IMPORTS.match(path)}


def resolve(path: str) -> Any:
    """The module or attribute ``path`` names (longest importable module prefix first)."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            value = getattr(value, name)
        return value
    raise ModuleNotFoundError(path)


def test_the_readme_documents_paths() -> None:
    paths = readme_paths()
    # The parser finds the documented entry points (it would pass vacuously otherwise).
    assert {"upcross.admin.UpcrossProductAdminMixin", "upcross.pricing.price_cart",
            "upcross.api.urls", "upcross.recompute.recompute"} <= paths


@pytest.mark.parametrize("path", sorted(readme_paths()))
def test_public_path_imports(path: str) -> None:
    from upcross import tasks

    task_names = {task.name for task in vars(tasks).values() if hasattr(task, "delay")}
    if path in task_names:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # documented paths are current
        assert resolve(path) is not None


@pytest.mark.parametrize(("old", "new", "name"), [
    ("upcross.services", "upcross.recompute", "recompute"),
    ("upcross.rules", "upcross.rule_evaluation", "evaluate_rule"),
    ("upcross.complement_rules", "upcross.rule_evaluation", "active_complement_rules"),
    ("upcross.api.schema", "upcross.api.openapi", "product_pk_schema"),
])
def test_moved_module_forwards_with_a_warning(old: str, new: str, name: str) -> None:
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=rf"{old}\.{name} moved to {new}\.{name}"):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_a_renamed_name_forwards_to_its_new_name() -> None:
    from upcross import complement_rules, rule_evaluation

    with pytest.warns(DeprecationWarning, match="complement_rule_pairs"):
        assert complement_rules.rule_pairs is rule_evaluation.complement_rule_pairs
