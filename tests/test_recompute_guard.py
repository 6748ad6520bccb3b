"""The recompute guard: a run that loads no orders, or would remove most mined rows,
keeps the old rows and fails saying why."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.celery_support import small_shop
from upcross import recompute as recomputing
from upcross.adapters import get_adapter
from upcross.models import MiningRun, ProductRelation

pytestmark = pytest.mark.django_db


def upcross_with(**values: Any) -> override_settings:
    from django.conf import settings

    return override_settings(UPCROSS={**settings.UPCROSS, **values})


def delete_orders() -> None:
    """Every order line gone, as a wrong ORDER_LINE_FILTER or lookback would load."""
    get_adapter().order_line_model()._default_manager.all().delete()


def mined_count() -> int:
    return ProductRelation.objects.filter(origin="mined", status="active").count()


def test_a_run_that_loads_no_orders_keeps_every_relation() -> None:
    small_shop()
    assert recomputing.recompute("all").status == "succeeded"
    before = mined_count()
    assert before > 0
    delete_orders()
    with pytest.raises(recomputing.RecomputeGuardError, match="loaded 0 orders"):
        recomputing.recompute("all")
    assert mined_count() == before
    run = MiningRun.objects.order_by("-pk").first()
    assert run.status == "failed" and "0 orders" in run.error
    assert run.relations_removed == 0


def test_the_command_reports_the_guard_and_force_accepts_the_run() -> None:
    small_shop()
    call_command("upcross_recompute", "--no-progress", stdout=StringIO())
    before = mined_count()
    delete_orders()
    with pytest.raises(CommandError, match="Kept the"):
        call_command("upcross_recompute", "--no-progress", stdout=StringIO())
    assert mined_count() == before
    out = StringIO()
    call_command("upcross_recompute", "--no-progress", "--force", stdout=out)
    assert f"{before} removed" in out.getvalue()
    assert mined_count() == 0


def test_removing_more_than_the_share_fails_and_a_higher_share_lets_it_through() -> None:
    small_shop()
    assert recomputing.recompute("complements").status == "succeeded"
    before = mined_count()
    with upcross_with(MIN_PAIR_COUNT=7), pytest.raises(recomputing.RecomputeGuardError,
                                                        match="RECOMPUTE_MAX_REMOVED_SHARE"):
        recomputing.recompute("complements")
    assert mined_count() == before
    with upcross_with(MIN_PAIR_COUNT=7, RECOMPUTE_MAX_REMOVED_SHARE=1):
        run = recomputing.recompute("complements")
    assert run.status == "succeeded" and run.relations_removed == before


@pytest.mark.parametrize(("orders", "before", "removed", "share", "refused"), [
    (10, 10, 5, 0.5, False),   # exactly the share: allowed
    (10, 10, 6, 0.5, True),
    (0, 10, 1, None, True),     # no orders: refused even without a share
    (0, 0, 0, 0.5, False),      # a fresh shop with no orders and no rows
    (10, 10, 10, None, False),  # share guard off
])
def test_guard_thresholds(orders: int, before: int, removed: int, share: float | None,
                          refused: bool) -> None:
    if refused:
        with pytest.raises(recomputing.RecomputeGuardError):
            recomputing.guard_removal(orders, before, removed, max_share=share)
    else:
        recomputing.guard_removal(orders, before, removed, max_share=share)


def test_the_admin_shows_a_refused_run_and_accepts_it_with_force(
        client: Any, django_capture_on_commit_callbacks: Any, eager_celery: Any) -> None:
    from django.urls import reverse

    from tests.admin_support import make_merchandiser

    client.force_login(make_merchandiser())
    url = reverse("admin:upcross_miningrun_recompute")
    small_shop()
    recomputing.recompute("all")
    before = mined_count()
    delete_orders()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"kind": "all"})
    assert mined_count() == before  # refused
    html = client.get(reverse("admin:upcross_miningrun_changelist")).content.decode()
    assert "was refused and changed nothing" in html and 'name="force"' in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"kind": "all", "force": "on"})
    assert mined_count() == 0
    html = client.get(reverse("admin:upcross_miningrun_changelist")).content.decode()
    assert 'name="force"' not in html


def test_the_staff_api_refuses_like_the_guard_and_force_accepts_the_run(
        django_capture_on_commit_callbacks: Any, eager_celery: Any) -> None:
    from django.urls import reverse

    from tests.test_api_support import client_for, make_user

    client = client_for(make_user("guarded", perms=("add_miningrun",)))
    url = reverse("upcross_api:run-list")
    small_shop()
    recomputing.recompute("all")
    before = mined_count()
    delete_orders()
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(url, {"kind": "all"}, format="json")
    assert mined_count() == before
    with django_capture_on_commit_callbacks(execute=True):
        forced = client.post(url, {"kind": "all", "force": True}, format="json")
    assert refused.status_code == 202 and refused.json()["force"] is False
    run = MiningRun.objects.get(task_id=refused.json()["task_id"])
    assert run.status == "failed" and "Kept the" in run.error
    assert forced.status_code == 202 and forced.json()["force"] is True
    assert MiningRun.objects.get(task_id=forced.json()["task_id"]).status == "succeeded"
    assert mined_count() == 0
    bad = client.post(url, {"kind": "all", "force": "maybe"}, format="json")
    assert bad.status_code == 400 and "force" in bad.content.decode()
