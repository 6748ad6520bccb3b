# Hand-edited: points at settings.UPCROSS_PRODUCT_MODEL, never at a shop app; grants the
# Merchandiser group (0003) the showcase decisions (pin and block).

import django.db.models.deletion
from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

GROUP_NAME = "Merchandiser"
MODEL_NAME = "showcasedecision"
ACTIONS = ("view", "add", "change", "delete")


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    return list(Permission.objects.filter(
        content_type__app_label="upcross", content_type__model=MODEL_NAME,
        codename__in=[f"{action}_{MODEL_NAME}" for action in ACTIONS]))


def grant_merchandisers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is None:
        return
    create_permissions(global_apps.get_app_config("upcross"), verbosity=0, apps=apps,
                       using=schema_editor.connection.alias)
    group.permissions.add(*_permissions(apps))


def revoke_merchandisers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.UPCROSS_PRODUCT_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("upcross", "0007_add_complement_rules_and_fallback_picks"),
    ]

    operations = [
        migrations.CreateModel(
            name="ShowcaseDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("showcase", models.CharField(max_length=32, verbose_name="showcase")),
                ("status", models.CharField(choices=[("active", "Active"), ("blocked", "Blocked")], default="active", help_text="Active: pinned before the computed ranking. Blocked: never shown here.", max_length=16, verbose_name="status")),
                ("position", models.PositiveIntegerField(default=0, help_text="Pinned order: lower comes first.", verbose_name="position")),
                ("scope", models.CharField(blank=True, help_text="Only in this category's showcase (blank: everywhere).", max_length=255, verbose_name="category")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("product", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="upcross_showcase_decisions", to=settings.UPCROSS_PRODUCT_MODEL, verbose_name="product")),
            ],
            options={
                "verbose_name": "showcase decision",
                "verbose_name_plural": "showcase decisions",
                "ordering": ("showcase", "scope", "status", "position"),
                "indexes": [models.Index(fields=["showcase", "status"], name="upcross_showcase_status")],
                "constraints": [models.UniqueConstraint(fields=("showcase", "scope", "product"), name="upcross_showcase_decision_unique")],
            },
        ),
        migrations.RunPython(grant_merchandisers, revoke_merchandisers),
    ]
