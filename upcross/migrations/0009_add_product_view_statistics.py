# Hand-edited: points at settings.UPCROSS_PRODUCT_MODEL, never at a shop app.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.UPCROSS_PRODUCT_MODEL),
        ('upcross', '0008_add_showcase_decisions'),
    ]

    operations = [
        migrations.CreateModel(
            name='CoViewDailyStat',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('sessions', models.PositiveBigIntegerField(default=0, verbose_name='sessions')),
                ('other', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.UPCROSS_PRODUCT_MODEL, verbose_name='viewed with')),
                ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='upcross_coview_stats', to=settings.UPCROSS_PRODUCT_MODEL, verbose_name='product')),
            ],
            options={
                'verbose_name': 'viewed together (day)',
                'verbose_name_plural': 'viewed together',
                'ordering': ('-day', '-sessions'),
                'indexes': [models.Index(fields=['product', 'day'], name='upcross_coviewstat_product')],
                'constraints': [models.UniqueConstraint(fields=('day', 'product', 'other'), name='upcross_coviewstat_unique')],
            },
        ),
        migrations.CreateModel(
            name='ProductViewDailyStat',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('views', models.PositiveBigIntegerField(default=0, verbose_name='views')),
                ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='upcross_view_stats', to=settings.UPCROSS_PRODUCT_MODEL, verbose_name='product')),
            ],
            options={
                'verbose_name': 'product views (day)',
                'verbose_name_plural': 'product views',
                'ordering': ('-day', '-views'),
                'indexes': [models.Index(fields=['product', 'day'], name='upcross_viewstat_product')],
                'constraints': [models.UniqueConstraint(fields=('day', 'product'), name='upcross_viewstat_unique')],
            },
        ),
    ]
