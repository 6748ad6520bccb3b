"""Create the "Merchandiser" group with the permissions the upcross admin needs.

Touches only auth/contenttypes rows (never a shop table). Permissions are created
first, because on a fresh database ``post_migrate`` has not made them yet. The
group also gets *view* permission on ``UPCROSS_PRODUCT_MODEL`` (the product
autocomplete in the relation forms asks for it) and, when django-celery-beat is
installed, permission to edit the recompute schedule (merchandisers edit it in the
admin) without a migration dependency on it. Existing groups of
that name are extended, never replaced; reversing removes only what this added.
"""

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Merchandiser"
UPCROSS_PERMISSIONS = {
    "productrelation": ("view", "add", "change", "delete"),
    "upgraderule": ("view", "add", "change", "delete"),
    "miningrun": ("view",),
}
SCHEDULE_PERMISSIONS = {
    "periodictask": ("view", "change"),
    "crontabschedule": ("view", "add", "change"),
}


def _permissions(apps, app_label, model_name, actions):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model_name}" for action in actions]
    return list(Permission.objects.filter(content_type__app_label=app_label,
                                          content_type__model=model_name,
                                          codename__in=codenames))


def _wanted(apps):
    perms = []
    for model_name, actions in UPCROSS_PERMISSIONS.items():
        perms += _permissions(apps, "upcross", model_name, actions)
    product_label = getattr(settings, "UPCROSS_PRODUCT_MODEL", "")
    if "." in product_label:
        app_label, model_name = product_label.split(".", 1)
        perms += _permissions(apps, app_label, model_name.lower(), ("view",))
    for model_name, actions in SCHEDULE_PERMISSIONS.items():
        perms += _permissions(apps, "django_celery_beat", model_name, actions)
    return perms


def create_group(apps, schema_editor):
    labels = {"upcross"}
    product_label = getattr(settings, "UPCROSS_PRODUCT_MODEL", "")
    if "." in product_label:
        labels.add(product_label.split(".", 1)[0])
    if global_apps.is_installed("django_celery_beat"):
        labels.add("django_celery_beat")
    for label in labels:
        try:
            app_config = global_apps.get_app_config(label)
        except LookupError:
            continue
        # An app whose migrations are not in this migration's past is missing from the
        # historical registry; its permission rows only need the current model list.
        registry = apps
        try:
            apps.get_app_config(label)
        except LookupError:
            registry = global_apps
        create_permissions(app_config, verbosity=0, apps=registry,
                           using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(*_wanted(apps))


def remove_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is None:
        return
    group.permissions.remove(*_wanted(apps))
    if not group.permissions.exists():
        group.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("upcross", "0002_add_productrelation_reviewed_at"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_group, remove_group),
    ]
