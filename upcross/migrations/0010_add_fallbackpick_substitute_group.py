from django.conf import settings
from django.db import migrations, models

#: Fallback relations the complements recompute used to copy to every product short of
#: suggestions; the read path now serves them from the per-category picks.
FALLBACK_ORIGINS = ("category", "best_seller")


def delete_per_product_fallbacks(apps, schema_editor):
    relation = apps.get_model("upcross", "ProductRelation")
    relation.objects.using(schema_editor.connection.alias).filter(
        origin__in=FALLBACK_ORIGINS).delete()


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.UPCROSS_PRODUCT_MODEL),
        ("upcross", "0009_add_product_view_statistics"),
    ]

    operations = [
        migrations.AddField(
            model_name="fallbackpick",
            name="substitute_group",
            field=models.CharField(blank=True, default="", max_length=255,
                                   verbose_name="substitute group"),
        ),
        # Reversing keeps the rows deleted: the next recompute of the older code rewrites them.
        migrations.RunPython(delete_per_product_fallbacks, migrations.RunPython.noop),
    ]
