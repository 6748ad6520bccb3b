from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_match_migrations() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=StringIO())
    except SystemExit as exc:  # --check exits 1 when changes are missing
        pytest.fail(f"Missing migrations:\n{out.getvalue()}", pytrace=exc is None)


def test_upcross_migrations_do_not_name_a_shop_app() -> None:
    from pathlib import Path

    import upcross

    migrations = Path(upcross.__file__).parent / "migrations"
    for path in migrations.glob("0*.py"):
        text = path.read_text()
        assert "catalog" not in text, path
        assert "settings.UPCROSS_PRODUCT_MODEL" in text or "ProductRelation" not in text
