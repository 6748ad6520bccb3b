"""``manage.py upcross_recompute``: the recompute job, in this process, no worker needed."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from upcross.models import MiningRunStatus
from upcross.recompute import recompute


class ProgressBar:
    """A plain-text progress bar on the command's stderr; redrawn in place on a terminal."""

    width = 30

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last: tuple[str, int] | None = None
        self.started = time.monotonic()

    def __call__(self, stage: str, fraction: float) -> None:
        percent = int(max(0.0, min(fraction, 1.0)) * 100)
        step = percent if self.tty else percent // 25 * 25
        if self.last == (stage, step):
            return
        self.last = (stage, step)
        filled = int(self.width * percent / 100)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"[{bar}] {percent:3d}% {stage:<8} {time.monotonic() - self.started:6.1f}s"
        self.stream.write(("\r" + line) if self.tty else line + "\n", ending="")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n", ending="")
            self.stream.flush()


class Command(BaseCommand):
    # Lazy: translated when the help is printed (the stubs want a plain str).
    help = _("Recompute mined complements and/or upgrades from the shop's orders.")  # type: ignore[assignment]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=["complements", "upgrades", "all"], default="all",
                            help=gettext("Which relations to recompute (default: all)."))
        parser.add_argument("--partitions", type=int, default=1,
                            help=gettext("Split the orders into N ranges counted one by one "
                                   "(same result; bounds memory)."))
        parser.add_argument("--force", action="store_true",
                            help=gettext("Write the result even if it loaded no orders or removes "
                                   "more than RECOMPUTE_MAX_REMOVED_SHARE of the mined "
                                   "relations."))
        parser.add_argument("--no-progress", action="store_true",
                            help=gettext("Do not draw the progress bar on stderr."))

    def handle(self, *args: Any, **options: Any) -> None:
        partitions = options["partitions"]
        if partitions < 1:
            raise CommandError(_("--partitions must be 1 or more."))
        bar = None if options["no_progress"] else ProgressBar(self.stderr)
        try:
            run = recompute(options["kind"], partitions, progress=bar, force=options["force"])
        except Exception as exc:
            raise CommandError(_("Recompute failed: %(error)s") % {"error": exc}) from exc
        finally:
            if bar is not None:
                bar.close()
        if run.status == MiningRunStatus.SKIPPED:
            self.stdout.write(str(_("Skipped: another recompute is running (run #%(pk)s).")
                                  % {"pk": run.pk}))
            return
        self.stdout.write(str(_(
            "Run #%(pk)s %(status)s in %(duration).1fs: %(orders)s orders, %(lines)s lines; "
            "relations %(created)s created, %(updated)s updated, %(removed)s removed."
        ) % {
            "pk": run.pk, "status": run.status, "duration": run.duration or 0,
            "orders": run.orders_scanned, "lines": run.lines_scanned,
            "created": run.relations_created, "updated": run.relations_updated,
            "removed": run.relations_removed,
        }))
