"""Merchandisers: upcross's own schedules only, and bundle curation.

The group held django-celery-beat's ``view/change_periodictask`` (every task of the
host) and ``change_crontabschedule`` (a crontab row may drive host tasks too). It
gets ``upcross.change_upcross_schedule`` instead, which the wrapped PeriodicTask
admin honours for tasks named ``upcross.…`` only (upcross.admin.schedules), keeps
``add``/``view_crontabschedule`` to pick or make a time, and gains the Bundle
permissions the README promises. Reversing restores the old grants.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Merchandiser"
GRANTED = {
    ("upcross", "miningrun"): ("change_upcross_schedule",),
    ("upcross", "bundle"): ("view_bundle", "add_bundle", "change_bundle", "delete_bundle"),
    ("upcross", "bundleitem"): ("view_bundleitem", "add_bundleitem", "change_bundleitem",
                                "delete_bundleitem"),
}
REVOKED = {
    ("django_celery_beat", "periodictask"): ("view_periodictask", "change_periodictask"),
    ("django_celery_beat", "crontabschedule"): ("change_crontabschedule",),
}


def _permissions(apps, spec):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for (app_label, model), codenames in spec.items():
        found += Permission.objects.filter(content_type__app_label=app_label,
                                           content_type__model=model, codename__in=codenames)
    return found


def scope_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is None:
        return
    create_permissions(global_apps.get_app_config("upcross"), verbosity=0, apps=apps,
                       using=schema_editor.connection.alias)
    group.permissions.remove(*_permissions(apps, REVOKED))
    group.permissions.add(*_permissions(apps, GRANTED))


def unscope_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is None:
        return
    group.permissions.remove(*_permissions(apps, GRANTED))
    group.permissions.add(*_permissions(apps, REVOKED))


class Migration(migrations.Migration):

    dependencies = [
        ("upcross", "0005_add_bundles_and_follow_ups"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="miningrun",
            options={
                "ordering": ("-created_at", "-pk"),
                "permissions": [("change_upcross_schedule", "Can change upcross's schedules")],
                "verbose_name": "mining run",
                "verbose_name_plural": "mining runs",
            },
        ),
        migrations.RunPython(scope_group, unscope_group),
    ]
