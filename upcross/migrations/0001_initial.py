# Hand-edited: points at settings.UPCROSS_PRODUCT_MODEL, never at a shop app.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.UPCROSS_PRODUCT_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MiningRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('complements', 'Complements'), ('upgrades', 'Upgrades'), ('all', 'All')], max_length=16, verbose_name='kind')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='pending', max_length=16, verbose_name='status')),
                ('task_id', models.CharField(blank=True, max_length=255, verbose_name='task id')),
                ('parameters', models.JSONField(blank=True, default=dict, verbose_name='parameters')),
                ('partitions', models.PositiveSmallIntegerField(default=1, verbose_name='partitions')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('orders_scanned', models.PositiveIntegerField(default=0, verbose_name='orders scanned')),
                ('lines_scanned', models.PositiveIntegerField(default=0, verbose_name='lines scanned')),
                ('relations_created', models.PositiveIntegerField(default=0, verbose_name='relations created')),
                ('relations_updated', models.PositiveIntegerField(default=0, verbose_name='relations updated')),
                ('relations_removed', models.PositiveIntegerField(default=0, verbose_name='relations removed')),
                ('duration', models.FloatField(blank=True, null=True, verbose_name='duration (s)')),
                ('progress', models.FloatField(default=0.0, verbose_name='progress')),
                ('error', models.TextField(blank=True, verbose_name='error')),
            ],
            options={
                'verbose_name': 'mining run',
                'verbose_name_plural': 'mining runs',
                'ordering': ('-created_at', '-pk'),
            },
        ),
        migrations.CreateModel(
            name='UpgradeRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('category', models.CharField(blank=True, help_text='Leave blank for every category.', max_length=255, verbose_name='category scope')),
                ('min_price_increase', models.DecimalField(decimal_places=2, default=5, max_digits=6, verbose_name='minimum price increase (%)')),
                ('max_price_increase', models.DecimalField(decimal_places=2, default=60, max_digits=6, verbose_name='maximum price increase (%)')),
                ('sort', models.CharField(choices=[('best_selling', 'Best-selling'), ('closest_price', 'Closest price'), ('highest_margin', 'Highest margin')], default='best_selling', max_length=20, verbose_name='sort by')),
                ('limit', models.PositiveSmallIntegerField(default=3, verbose_name='limit')),
                ('priority', models.PositiveSmallIntegerField(default=0, help_text='Lower runs first.', verbose_name='priority')),
            ],
            options={
                'verbose_name': 'upgrade rule',
                'verbose_name_plural': 'upgrade rules',
                'ordering': ('priority', 'pk'),
                'constraints': [models.CheckConstraint(condition=models.Q(('min_price_increase__lte', models.F('max_price_increase'))), name='upcross_rule_price_band_ordered')],
            },
        ),
        migrations.CreateModel(
            name='ProductRelation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('complement', 'Complement (add this too)'), ('upgrade', 'Upgrade (upgrade to)')], max_length=16, verbose_name='kind')),
                ('origin', models.CharField(choices=[('manual', 'Manual'), ('rule', 'Rule'), ('mined', 'Mined from orders')], default='manual', max_length=16, verbose_name='origin')),
                ('status', models.CharField(choices=[('active', 'Active'), ('blocked', 'Blocked')], default='active', max_length=16, verbose_name='status')),
                ('position', models.PositiveIntegerField(default=0, help_text='Manual order: lower comes first.', verbose_name='position')),
                ('score', models.FloatField(default=0.0, verbose_name='score')),
                ('pair_count', models.PositiveIntegerField(blank=True, null=True, verbose_name='orders together')),
                ('support', models.FloatField(blank=True, null=True, verbose_name='support')),
                ('confidence', models.FloatField(blank=True, null=True, verbose_name='confidence')),
                ('lift', models.FloatField(blank=True, null=True, verbose_name='lift')),
                ('computed_at', models.DateTimeField(blank=True, null=True, verbose_name='computed at')),
                ('starts_at', models.DateTimeField(blank=True, null=True, verbose_name='active from')),
                ('ends_at', models.DateTimeField(blank=True, null=True, verbose_name='active until')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('source', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='upcross_relations_from', to=settings.UPCROSS_PRODUCT_MODEL, verbose_name='source product')),
                ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='upcross_relations_to', to=settings.UPCROSS_PRODUCT_MODEL, verbose_name='suggested product')),
            ],
            options={
                'verbose_name': 'product relation',
                'verbose_name_plural': 'product relations',
                'ordering': ('source', 'kind', 'position', '-score'),
                'indexes': [models.Index(fields=['source', 'kind', 'status'], name='upcross_rel_source_kind'), models.Index(fields=['kind', 'origin'], name='upcross_rel_kind_origin')],
                'constraints': [models.UniqueConstraint(fields=('source', 'target', 'kind'), name='upcross_relation_unique_pair'), models.CheckConstraint(condition=models.Q(('source', models.F('target')), _negated=True), name='upcross_relation_not_self')],
            },
        ),
    ]
