"""Every shipped catalogue is complete, and its committed ``.mo`` matches the ``.po``.

Covers upcross's own catalogues (shipped in the package) and the demo shop's.
``makemessages`` finding a string the catalogue lacks fails the test too, so a new
visible string cannot ship untranslated.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CATALOGUES = {
    "upcross": REPO / "upcross" / "locale",
    "demo_shop": REPO / "demo_shop" / "locale",
}
LANGUAGES = ("id", "pl")


def po_entries(path: Path) -> dict[tuple[str | None, str], list[str]]:
    """msgctxt/msgid → msgstr(s) of a .po file (enough of the format for our files)."""
    entries: dict[tuple[str | None, str], list[str]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            strs = [value for key, value in sorted(fields.items()) if key.startswith("msgstr")]
            entries[(fields.get("msgctxt"), fields["msgid"])] = strs
    return entries


def unescape(text: str) -> str:
    """The C escapes a .po string may hold (non-ASCII stays as it is)."""
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r'\\(.)', lambda match: escapes.get(match.group(1), match.group(0)), text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", sorted(CATALOGUES))
def test_po_is_complete_and_the_committed_mo_matches_it(app: str, language: str) -> None:
    po = CATALOGUES[app] / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    entries = po_entries(po)
    assert len(entries) > 80
    untranslated = [key for key, strs in entries.items() if not all(strs)]
    assert untranslated == []
    assert "#, fuzzy" not in po.read_text(encoding="utf-8")
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    compiled = {key.split("\x04")[-1] if isinstance(key, str) else key[0].split("\x04")[-1]
                for key in catalog._catalog if key}  # type: ignore[attr-defined]
    source = {unescape(msgid) for _ctx, msgid in entries}
    assert source <= compiled, f"run compilemessages for {app}/locale"


@pytest.mark.skipif(shutil.which("xgettext") is None,
                    reason="GNU gettext (xgettext) is not installed; CI installs it")
@pytest.mark.parametrize("app", sorted(CATALOGUES))
def test_makemessages_finds_no_string_missing_from_the_catalogue(app: str,
                                                                 tmp_path: Path) -> None:
    copy = tmp_path / app
    shutil.copytree(REPO / app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        # django-admin, not "python -m django": the copy's own celery.py must not
        # shadow the celery package.
        [str(Path(sys.executable).parent / "django-admin"), "makemessages", "-l", "id",
         "--no-obsolete", "--settings=tests.settings_demo"],
        cwd=copy, check=True, capture_output=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
             "DJANGO_SETTINGS_MODULE": "tests.settings_demo"},
    )
    fresh = set(po_entries(copy / "locale" / "id" / "LC_MESSAGES" / "django.po"))
    committed = set(po_entries(CATALOGUES[app] / "id" / "LC_MESSAGES" / "django.po"))
    assert len(fresh) > 80  # makemessages really found the strings
    assert sorted(fresh - committed, key=str) == [], f"run makemessages for {app}/locale"
