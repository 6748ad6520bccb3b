"""Helpers for the admin tests: users with and without the Merchandiser group, and a
reader of the forms a page renders (so a POST sends what a browser would)."""

from __future__ import annotations

import importlib
from html.parser import HTMLParser
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

GROUP = "Merchandiser"


def merchandiser_group() -> Group:
    """The group the migration made; re-made the same way after a transactional flush."""
    group = Group.objects.filter(name=GROUP).first()
    if group is None or not group.permissions.exists():
        migration = importlib.import_module("upcross.migrations.0003_create_merchandiser_group")
        report = importlib.import_module("upcross.migrations.0004_add_widget_statistics")
        scoped = importlib.import_module("upcross.migrations.0006_scope_merchandiser_schedules")
        rules = importlib.import_module(
            "upcross.migrations.0007_add_complement_rules_and_fallback_picks")
        with connection.schema_editor() as editor:
            migration.create_group(apps, editor)
            report.grant_report_view(apps, editor)  # the analytics report (0004)
            scoped.scope_group(apps, editor)  # own schedules only, bundles (0006)
            rules.grant_merchandisers(apps, editor)  # complement rules, fallback picks (0007)
        group = Group.objects.get(name=GROUP)
    return group


def make_merchandiser(username: str = "merch", password: str = "pw-merch-1") -> Any:
    user = get_user_model().objects.create_user(username, password=password, is_staff=True)
    user.groups.add(merchandiser_group())
    return user


def make_staff(username: str = "clerk", password: str = "pw-clerk-1") -> Any:
    """Staff without any upcross permission."""
    return get_user_model().objects.create_user(username, password=password, is_staff=True)


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = self.form_id is None or a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._select_first = name, None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            value = self._select_value if self._select_value is not None else ""
            self.data.append((self._select, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.data.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data


def form_data(html: str | bytes, form_id: str | None = None) -> dict[str, Any]:
    """The fields of the page's form as a browser would submit them (last value wins)."""
    reader = _FormReader(form_id)
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    data: dict[str, Any] = {}
    for name, value in reader.data:
        data[name] = value
    return data
