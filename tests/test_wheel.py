"""The built wheel is a complete app: installed into a fresh virtualenv, a minimal host
project (``tests/wheel_host``) passes ``check`` and ``migrate`` and renders a widget.

The fresh venv takes upcross only from the wheel (``pip install --no-deps``); its
dependencies come from the running test environment through a ``.pth`` line, so the test
needs no network beyond the isolated build's setuptools. ``upcross.__file__`` is asserted
to lie inside the new venv, never in this checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.shop("demo")  # one shape is enough: the host project is its own

REPO = Path(__file__).resolve().parent.parent
HOST = Path(__file__).resolve().parent / "wheel_host"


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--wheel", "--outdir", out, REPO, cwd=REPO)
    (built,) = out.glob("django_upcross-*-py3-none-any.whl")
    return built


def test_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    package = REPO / "upcross"
    tracked = run("git", "ls-files", "upcross", cwd=REPO).split()
    assert tracked
    missing = sorted(name for name in tracked if name not in shipped)
    assert not missing, missing
    for needed in ("upcross/py.typed", "upcross/static/upcross/upcross.css",
                   "upcross/locale/pl/LC_MESSAGES/django.mo",
                   "upcross/templates/upcross/widgets/complements.html",
                   "upcross/migrations/0001_initial.py"):
        assert needed in shipped
    assert (package / "py.typed").exists()
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in shipped if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: Django<6.2,>=5.2" in metadata
    assert "Classifier: Framework :: Django :: 6.0" in metadata
    assert not any(name.startswith(("tests/", "demo_shop/", "bench/")) for name in shipped)


def test_wheel_in_a_fresh_venv_runs_a_host_project(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=tmp_path).strip())
    (site / "upcross_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=tmp_path)

    project = tmp_path / "host"
    shutil.copytree(HOST, project)
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    check = run(python, "manage.py", "check", "--fail-level", "WARNING", cwd=project, env=env)
    assert "no issues" in check
    run(python, "manage.py", "makemigrations", "shop", cwd=project, env=env)
    run(python, "manage.py", "migrate", "--noinput", cwd=project, env=env)
    tables = run(python, "manage.py", "showmigrations", "upcross", cwd=project, env=env)
    assert "[X] 0001_initial" in tables and "[ ]" not in tables
    result = json.loads(run(python, "render_widget.py", cwd=project, env=env).splitlines()[-1])

    assert Path(result["upcross_file"]).is_relative_to(venv), result["upcross_file"]
    assert "Steel pegs" in result["html"] and "csrfmiddlewaretoken" in result["html"]
    assert "/shop/cart/add/" in result["html"]
    assert result["css"] and Path(result["css"]).is_relative_to(venv)
    assert result["polish_add"] == "Dodaj"
