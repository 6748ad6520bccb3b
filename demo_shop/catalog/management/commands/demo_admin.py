"""``manage.py demo_admin``: the well-known demo login, for a local demo only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

USERNAME = "admin"
# The demo's published login; the command refuses to create it outside DEBUG.
PASSWORD = "admin"


class Command(BaseCommand):
    help = "Create the superuser admin/admin if it is missing (DEBUG only, or --force)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true",
                            help="Create it even when DEBUG is off (never on a public site).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or options["force"]):
            raise CommandError(
                "Refusing to create admin/admin with DEBUG off: a known password on a real "
                "site is an open door. Use createsuperuser, or --force for a local demo."
            )
        user_model = get_user_model()
        if user_model.objects.filter(username=USERNAME).exists():
            self.stdout.write(f"Superuser {USERNAME!r} exists already (password unchanged).")
        else:
            user_model.objects.create_superuser(USERNAME, "admin@example.com", PASSWORD)
            self.stdout.write(f"Superuser {USERNAME!r} created.")
        self.stdout.write(
            f"Admin: http://127.0.0.1:8000/admin/  user: {USERNAME}  password: {PASSWORD}"
        )
