"""Public signals of upcross."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent after a recompute wrote a new set of relations (inside ``on_commit``).
#: Keyword arguments: ``kind`` ("complements" | "upgrades"), ``run`` (the MiningRun),
#: ``source_pks`` (set of product pks whose relations changed, or None for "all").
relations_recomputed = Signal()
