"""One nox session per supported combination of Python, Django and database.

``nox -l`` lists them; ``nox -s py3.13-django6.0-postgres`` runs one (all three shop shapes);
arguments after ``--`` go to pytest, e.g. ``nox -s py3.11-django5.2-mariadb -- -x -k csv``;
``UPCROSS_SHAPES=demo,altshop`` runs only those shop shapes.
The Python interpreters are found on ``PATH`` or in pyenv (``$(pyenv root)/versions``);
nothing is downloaded but packages from PyPI. ``make test`` runs the main combination
in ``.venv`` and, under ``CI=true``, the CI combinations below (see README, "Running the
tests").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.download_python = "never"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True

#: (python, django, database). The first is the main combination (``make test``'s .venv).
COMBINATIONS = [
    ("3.11", "5.2", "postgres"),
    ("3.11", "5.2", "mariadb"),
    ("3.11", "5.2", "sqlite"),
    ("3.12", "5.2", "postgres"),
    ("3.12", "6.0", "postgres"),
    ("3.13", "6.0", "postgres"),
    ("3.13", "6.0", "mariadb"),
    ("3.13", "6.0", "sqlite"),
]
#: What ``make test`` adds under ``CI=true`` (with the subset of ``CI_EXTRA_PYTEST_ARGS``).
CI_SESSIONS = ["py3.13-django6.0-postgres", "py3.11-django5.2-mariadb"]
SHAPES = ["demo", "altshop", "oscar"]  # tests.settings_<shape>; UPCROSS_SHAPES picks some
EXTRAS = {"postgres": "test,demo", "mariadb": "test,demo,mysql", "sqlite": "test,demo"}


def _pyenv_on_path() -> None:
    """Put pyenv's interpreters on PATH, so ``python3.13`` is found without shims."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    bins = sorted(str(p) for p in root.glob("versions/3.1[1-3].*/bin"))
    if bins:
        os.environ["PATH"] = os.pathsep.join([*bins, os.environ.get("PATH", "")])


_pyenv_on_path()


def _session(django: str, database: str) -> Callable[[nox.Session], None]:
    def tests(session: nox.Session) -> None:
        session.install("--quiet", "--upgrade", "pip")
        session.install("--quiet", "-e", f".[{EXTRAS[database]}]", f"Django~={django}.0")
        session.run("python", "-c", "import django, sys; print('Django', django.get_version(),"
                    " 'on Python', sys.version.split()[0])")
        env = {"UPCROSS_TEST_DATABASE": database}
        shapes = os.environ.get("UPCROSS_SHAPES", ",".join(SHAPES)).split(",")
        unknown = set(shapes) - set(SHAPES)
        if unknown:
            session.error(f"UPCROSS_SHAPES: unknown shape(s) {sorted(unknown)}; use {SHAPES}")
        for shape in shapes:
            session.run("python", "-m", "pytest", f"--ds=tests.settings_{shape}",
                        *session.posargs, env=env)

    tests.__doc__ = f"The suite, all three shop shapes, Django {django} on {database}."
    return tests


for _python, _django, _database in COMBINATIONS:
    _name = f"py{_python}-django{_django}-{_database}"
    nox.session(python=_python, name=_name, default=_name in CI_SESSIONS)(
        _session(_django, _database))
