"""Installing upcross needs only settings, even for a product with another label and a UUID pk.

Runs against the altshop (``altcatalog.Item``, UUID primary key); the settings module
installs no demo_shop app at all.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader

pytestmark = pytest.mark.shop("altshop")

DEMO_APP_LABELS = {"catalog", "orders", "cart"}


def upcross_tables() -> set[str]:
    return {name for name in connection.introspection.table_names() if name.startswith("upcross_")}


def test_no_demo_shop_app_is_installed() -> None:
    assert settings.UPCROSS_PRODUCT_MODEL == "altcatalog.Item"
    assert not any(config.name.startswith("demo_shop") for config in apps.get_app_configs())
    assert not DEMO_APP_LABELS & {config.label for config in apps.get_app_configs()}


def test_upcross_migration_graph_never_depends_on_the_demo_shop() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    upcross_nodes = [key for key in loader.graph.nodes if key[0] == "upcross"]
    assert upcross_nodes
    ancestors: set[tuple[str, str]] = set()
    for node in upcross_nodes:
        ancestors |= set(loader.graph.forwards_plan(node))
    labels = {app_label for app_label, _name in ancestors}
    assert not labels & DEMO_APP_LABELS, sorted(ancestors)
    # The setting, not a hard-coded app, brought the product model's app in.
    assert ("altcatalog", "0001_initial") in ancestors


@pytest.mark.django_db(transaction=True)
def test_migrate_upcross_from_zero_needs_only_settings() -> None:
    assert "upcross_productrelation" in upcross_tables()
    call_command("migrate", "upcross", "zero", verbosity=0, stdout=StringIO())
    assert upcross_tables() == set()
    call_command("migrate", verbosity=0, stdout=StringIO())
    assert {"upcross_productrelation", "upcross_miningrun"} <= upcross_tables()
    out = StringIO()
    call_command("showmigrations", "upcross", stdout=out)
    assert "[ ]" not in out.getvalue()


@pytest.mark.django_db
def test_relation_foreign_keys_have_the_product_pk_type() -> None:
    from tests.altshop.catalog.models import Item
    from upcross.models import ProductRelation

    item_pk_type = Item._meta.pk.db_type(connection)
    for name in ("source", "target"):
        field = ProductRelation._meta.get_field(name)
        assert field.related_model is Item
        assert isinstance(field.target_field, models.UUIDField)
        assert field.db_type(connection) == item_pk_type
    with connection.cursor() as cursor:
        columns = {
            column.name: connection.introspection.get_field_type(column.type_code, column)
            for column in connection.introspection.get_table_description(
                cursor, "upcross_productrelation")
        }
    # PostgreSQL and MariaDB (10.7+) have a native uuid type; SQLite stores char(32).
    expected = "UUIDField" if connection.features.has_native_uuid_field else "CharField"
    assert columns["source_id"] == columns["target_id"] == expected


@pytest.mark.django_db
def test_relation_between_uuid_products_round_trips() -> None:
    from tests.altshop.catalog.models import Item
    from upcross.models import ProductRelation

    shoe = Item.objects.create(title="Shoe", slug="shoe")
    sock = Item.objects.create(title="Sock", slug="sock")
    relation = ProductRelation.objects.create(source=shoe, target=sock, kind="complement")
    stored = ProductRelation.objects.get(pk=relation.pk)
    assert (stored.source_id, stored.target_id) == (shoe.pk, sock.pk)
    assert stored.source == shoe and stored.target == sock
    assert list(ProductRelation.objects.filter(source__slug="shoe")) == [stored]
    assert list(shoe.upcross_relations_from.all()) == [stored]


@pytest.mark.postgres
@pytest.mark.django_db
def test_initial_migration_sql_uses_uuid_columns_on_postgres() -> None:
    out = StringIO()
    call_command("sqlmigrate", "upcross", "0001", stdout=out)
    sql = out.getvalue()
    assert '"source_id" uuid NOT NULL' in sql
    assert '"target_id" uuid NOT NULL' in sql
    assert 'REFERENCES "altcatalog_item" ("id")' in sql
