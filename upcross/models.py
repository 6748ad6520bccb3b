"""upcross's own tables. Foreign keys point at ``settings.UPCROSS_PRODUCT_MODEL``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from upcross.querysets import RelationQuerySet

PRODUCT_MODEL = getattr(settings, "UPCROSS_PRODUCT_MODEL", "upcross.MissingProductModel")


class RelationKind(models.TextChoices):
    COMPLEMENT = "complement", _("Complement (add this too)")
    UPGRADE = "upgrade", _("Upgrade (upgrade to)")


class RelationOrigin(models.TextChoices):
    MANUAL = "manual", _("Manual")
    RULE = "rule", _("Rule")
    MINED = "mined", _("Mined from orders")
    #: Fallbacks (:mod:`upcross.fallback`): written for products short of evidence.
    CATEGORY = "category", _("Category co-purchase (fallback)")
    BEST_SELLER = "best_seller", _("Best seller (fallback)")


class RelationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    BLOCKED = "blocked", _("Blocked")


class ProductRelation(models.Model):
    """One directed suggestion: show ``target`` next to ``source``.

    Blocked rows are kept on purpose: they stop mining from re-creating the pair.
    """

    source = models.ForeignKey(
        PRODUCT_MODEL,
        on_delete=models.CASCADE,
        related_name="upcross_relations_from",
        verbose_name=_("source product"),
    )
    target = models.ForeignKey(
        PRODUCT_MODEL,
        on_delete=models.CASCADE,
        related_name="upcross_relations_to",
        verbose_name=_("suggested product"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RelationKind.choices)
    origin = models.CharField(
        _("origin"), max_length=16, choices=RelationOrigin.choices, default=RelationOrigin.MANUAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RelationStatus.choices, default=RelationStatus.ACTIVE
    )
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Manual order: lower comes first.")
    )
    score = models.FloatField(_("score"), default=0.0)
    pair_count = models.PositiveIntegerField(_("orders together"), null=True, blank=True)
    support = models.FloatField(_("support"), null=True, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    lift = models.FloatField(_("lift"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(
        _("reviewed at"), null=True, blank=True,
        help_text=_("When a merchandiser accepted, blocked or reviewed this mined suggestion."),
    )
    starts_at = models.DateTimeField(_("active from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("active until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RelationQuerySet.as_manager()

    class Meta:
        verbose_name = _("product relation")
        verbose_name_plural = _("product relations")
        ordering = ("source", "kind", "position", "-score")
        constraints = [
            models.UniqueConstraint(
                fields=("source", "target", "kind"), name="upcross_relation_unique_pair"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="upcross_relation_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=("source", "kind", "status"), name="upcross_rel_source_kind"),
            models.Index(fields=("kind", "origin"), name="upcross_rel_kind_origin"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.get_kind_display()})"


class MiningRunKind(models.TextChoices):
    COMPLEMENTS = "complements", _("Complements")
    UPGRADES = "upgrades", _("Upgrades")
    ALL = "all", _("All")


class MiningRunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class MiningRun(models.Model):
    """One recompute of mined relations, with its figures (read-only history)."""

    kind = models.CharField(_("kind"), max_length=16, choices=MiningRunKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=MiningRunStatus.choices,
        default=MiningRunStatus.PENDING,
    )
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    partitions = models.PositiveSmallIntegerField(_("partitions"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    orders_scanned = models.PositiveIntegerField(_("orders scanned"), default=0)
    lines_scanned = models.PositiveIntegerField(_("lines scanned"), default=0)
    relations_created = models.PositiveIntegerField(_("relations created"), default=0)
    relations_updated = models.PositiveIntegerField(_("relations updated"), default=0)
    relations_removed = models.PositiveIntegerField(_("relations removed"), default=0)
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("mining run")
        verbose_name_plural = _("mining runs")
        ordering = ("-created_at", "-pk")
        # Edit upcross's own periodic tasks (and no other): see upcross.admin.schedules.
        permissions = [("change_upcross_schedule", _("Can change upcross's schedules"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class UpgradeRuleSort(models.TextChoices):
    BEST_SELLING = "best_selling", _("Best-selling")
    CLOSEST_PRICE = "closest_price", _("Closest price")
    HIGHEST_MARGIN = "highest_margin", _("Highest margin")


class MerchandiserRule(models.Model):
    """What upgrade and complement rules share: a name, a switch and a priority."""

    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=0, help_text=_("Lower runs first.")
    )

    class Meta:
        abstract = True
        ordering = ("priority", "pk")


class UpgradeRule(MerchandiserRule):
    """A merchandiser's upgrade rule (Magento "target rule" style).

    ``category`` holds the category value as ``PRODUCT_FIELDS["category"]`` yields
    it (usually a pk), as text; blank means every category.

    Several rules combine as Magento's target rules do: every active rule whose
    scope a product is in contributes, in priority order (lower first, then older);
    a later rule skips the products earlier rules already picked for it (and still
    fills its own ``limit``), its picks ranked after theirs. The upgrades recompute
    writes them (``origin="rule"``) through ``upcross.mining.rule_upgrades``, the one
    implementation, which the admin preview runs too.
    """

    category = models.CharField(
        _("category scope"), max_length=255, blank=True,
        help_text=_("Leave blank for every category."),
    )
    min_price_increase = models.DecimalField(
        _("minimum price increase (%)"), max_digits=6, decimal_places=2, default=5
    )
    max_price_increase = models.DecimalField(
        _("maximum price increase (%)"), max_digits=6, decimal_places=2, default=60
    )
    sort = models.CharField(
        _("sort by"), max_length=20, choices=UpgradeRuleSort.choices,
        default=UpgradeRuleSort.BEST_SELLING,
    )
    limit = models.PositiveSmallIntegerField(_("limit"), default=3)

    class Meta(MerchandiserRule.Meta):
        verbose_name = _("upgrade rule")
        verbose_name_plural = _("upgrade rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_price_increase__lte=models.F("max_price_increase")),
                name="upcross_rule_price_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- analytics (widget counters flushed from Redis, holdout comparison) ----------------


class WidgetCounters(models.Model):
    """The counters one daily row holds; filled by the flush task, never per request.

    ``revenue`` is the attributed revenue: what orders paid for widget-added items.
    """

    day = models.DateField(_("day"))
    widget = models.CharField(_("widget"), max_length=32)
    impressions = models.PositiveBigIntegerField(_("impressions"), default=0)
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0)
    adds = models.PositiveBigIntegerField(_("adds to cart"), default=0)
    purchases = models.PositiveBigIntegerField(_("items bought"), default=0)
    revenue = models.DecimalField(_("attributed revenue"), max_digits=16, decimal_places=2,
                                  default=0)

    class Meta:
        abstract = True


class WidgetDailyStat(WidgetCounters):
    """One widget's counters for one day (UTC). ``impressions`` counts widget renders."""

    orders = models.PositiveBigIntegerField(_("orders with widget items"), default=0)

    class Meta:
        verbose_name = _("widget statistics (day)")
        verbose_name_plural = _("widget statistics")
        ordering = ("-day", "widget")
        constraints = [
            models.UniqueConstraint(fields=("day", "widget"), name="upcross_widgetstat_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.widget} {self.day}"


class RelationDailyStat(WidgetCounters):
    """One suggestion's counters for one day: ``target`` shown by ``widget`` for ``source``.

    Product pks are kept as text (integer or UUID shops alike) and not as foreign
    keys, so the history survives a product's deletion. ``source`` is blank when
    the widget had no single source product (a cart complement named by no line).
    """

    source = models.CharField(_("source product id"), max_length=64, blank=True)
    target = models.CharField(_("suggested product id"), max_length=64)

    class Meta:
        verbose_name = _("suggestion statistics (day)")
        verbose_name_plural = _("suggestion statistics")
        ordering = ("-day", "widget", "source", "target")
        constraints = [
            models.UniqueConstraint(fields=("day", "widget", "source", "target"),
                                    name="upcross_relationstat_unique"),
        ]
        indexes = [models.Index(fields=("source", "target"), name="upcross_relstat_pair")]

    def __str__(self) -> str:
        return f"{self.widget} {self.source}→{self.target} {self.day}"


class ProductViewDailyStat(models.Model):
    """How often a product's page was viewed on one day (UTC), as the tracking script
    reported it; filled by the flush task from the Redis counters, never per request."""

    day = models.DateField(_("day"))
    product = models.ForeignKey(
        PRODUCT_MODEL, on_delete=models.CASCADE, related_name="upcross_view_stats",
        verbose_name=_("product"),
    )
    views = models.PositiveBigIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("product views (day)")
        verbose_name_plural = _("product views")
        ordering = ("-day", "-views")
        constraints = [
            models.UniqueConstraint(fields=("day", "product"), name="upcross_viewstat_unique"),
        ]
        indexes = [models.Index(fields=("product", "day"), name="upcross_viewstat_product")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.day}: {self.views}"


class CoViewDailyStat(models.Model):
    """In how many browsing sessions two products were both viewed, by day (UTC).

    Kept in both directions (a row for A→B and one for B→A with the same count), so
    "viewed with this product" is one indexed filter on ``product``. The recompute
    reads these as substitute evidence for upgrades; the similar-products showcase
    ranks by them.
    """

    day = models.DateField(_("day"))
    product = models.ForeignKey(
        PRODUCT_MODEL, on_delete=models.CASCADE, related_name="upcross_coview_stats",
        verbose_name=_("product"),
    )
    other = models.ForeignKey(
        PRODUCT_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("viewed with"),
    )
    sessions = models.PositiveBigIntegerField(_("sessions"), default=0)

    class Meta:
        verbose_name = _("viewed together (day)")
        verbose_name_plural = _("viewed together")
        ordering = ("-day", "-sessions")
        constraints = [
            models.UniqueConstraint(fields=("day", "product", "other"),
                                    name="upcross_coviewstat_unique"),
        ]
        indexes = [models.Index(fields=("product", "day"), name="upcross_coviewstat_product")]

    def __str__(self) -> str:
        return f"{self.product_id}+{self.other_id} {self.day}: {self.sessions}"


class ExposureGroup(models.TextChoices):
    EXPOSED = "exposed", _("Exposed (sees widgets)")
    HOLDOUT = "holdout", _("Holdout (no widgets)")


class OrderExposure(models.Model):
    """One placed order, with the holdout group its shopper was assigned to.

    Written once per order by :func:`upcross.analytics.order_placed`; the report
    compares average order value and items per order between the two groups.
    """

    order_id = models.CharField(_("order id"), max_length=64, unique=True)
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    group = models.CharField(_("group"), max_length=16, choices=ExposureGroup.choices)
    total = models.DecimalField(_("order total"), max_digits=16, decimal_places=2)
    items = models.PositiveIntegerField(_("items"), default=0)
    attributed_items = models.PositiveIntegerField(_("items added from widgets"), default=0)
    attributed_revenue = models.DecimalField(_("revenue from widget items"), max_digits=16,
                                             decimal_places=2, default=0)

    class Meta:
        verbose_name = _("order exposure")
        verbose_name_plural = _("order exposures")
        ordering = ("-placed_at", "-pk")
        indexes = [models.Index(fields=("group", "placed_at"), name="upcross_exposure_group")]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.get_group_display()})"


# --- bundles and follow-up e-mails ----------------------------------------------------


class Bundle(models.Model):
    """A curated "buy all and save" offer, shown on ``product``'s page.

    The bundle is ``product`` (one) plus its items; :mod:`upcross.pricing` takes
    ``discount_percent`` off every complete set in a cart.
    """

    name = models.CharField(_("name"), max_length=200, blank=True)
    product = models.ForeignKey(
        PRODUCT_MODEL, on_delete=models.CASCADE, related_name="upcross_bundles",
        verbose_name=_("product"), help_text=_("The bundle is shown on this product's page."),
    )
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=10,
        help_text=_("Taken off the price of every complete set in a cart."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    starts_at = models.DateTimeField(_("active from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("active until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bundle")
        verbose_name_plural = _("bundles")
        ordering = ("product", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="upcross_bundle_discount_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(_("Bundle with %(product)s") % {"product": self.product})


class BundleItem(models.Model):
    """Another product of a bundle, ``quantity`` of it per set."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="items",
                               verbose_name=_("bundle"))
    product = models.ForeignKey(
        PRODUCT_MODEL, on_delete=models.CASCADE, related_name="upcross_bundle_items",
        verbose_name=_("product"),
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("bundle item")
        verbose_name_plural = _("bundle items")
        ordering = ("position", "pk")
        constraints = [
            models.UniqueConstraint(fields=("bundle", "product"),
                                    name="upcross_bundle_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1),
                                   name="upcross_bundle_item_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class FollowUpStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    OPTED_OUT = "opted_out", _("Opted out")
    SKIPPED = "skipped", _("Nothing to suggest or no address")


class FollowUp(models.Model):
    """One order's follow-up e-mail, written in the transaction that sends it.

    The unique ``order_id`` is what makes "at most once per order" hold: a second
    task inserting the same order waits for the first and then fails, never sends.
    """

    order_id = models.CharField(_("order id"), max_length=64, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FollowUpStatus.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up e-mail")
        verbose_name_plural = _("follow-up e-mails")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.get_status_display()}"


class FollowUpOptOut(models.Model):
    """An address that unsubscribed from follow-up e-mails (stored lower-case)."""

    email = models.EmailField(_("e-mail"), unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up opt-out")
        verbose_name_plural = _("follow-up opt-outs")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.email


# --- complement rules and the cold-start fallback -------------------------------------


class ComplementRuleSort(models.TextChoices):
    BEST_SELLING = "best_selling", _("Best-selling")
    LOWEST_PRICE = "lowest_price", _("Lowest price")


class ComplementRule(MerchandiserRule):
    """A merchandiser's complement rule (Magento "related products" rule style):
    products of ``category`` get complements from ``target_category``.

    Categories hold the value ``PRODUCT_FIELDS["category"]`` yields, as text. The
    optional price band bounds a suggestion's price as a percentage of the product's
    (e.g. 0 to 50: accessories that cost at most half). Rules combine like upgrade
    rules: in priority order, a later rule skips what earlier ones picked. The
    complements recompute writes their pairs (``origin="rule"``: after manual, before
    mined) through :func:`upcross.rule_evaluation.complement_rule_pairs`, the one implementation,
    which the admin preview and the new-product fallback run too.
    """

    category = models.CharField(
        _("products of category"), max_length=255,
        help_text=_("The rule applies to the products of this category."),
    )
    target_category = models.CharField(
        _("get complements from category"), max_length=255,
        help_text=_("Suggested products come from this category."),
    )
    min_price_percent = models.DecimalField(
        _("minimum price (% of the product's)"), max_digits=7, decimal_places=2,
        null=True, blank=True, help_text=_("Leave blank for no lower bound."),
    )
    max_price_percent = models.DecimalField(
        _("maximum price (% of the product's)"), max_digits=7, decimal_places=2,
        null=True, blank=True, help_text=_("Leave blank for no upper bound."),
    )
    sort = models.CharField(
        _("sort by"), max_length=20, choices=ComplementRuleSort.choices,
        default=ComplementRuleSort.BEST_SELLING,
    )
    limit = models.PositiveSmallIntegerField(_("limit"), default=4)

    class Meta(MerchandiserRule.Meta):
        verbose_name = _("complement rule")
        verbose_name_plural = _("complement rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_price_percent__isnull=True) | Q(max_price_percent__isnull=True)
                | Q(min_price_percent__lte=models.F("max_price_percent")),
                name="upcross_complementrule_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FallbackPick(models.Model):
    """A precomputed fallback suggestion for the products of one category.

    Written by the complements recompute (:mod:`upcross.fallback`), read when a
    product has too few suggestions of its own (:mod:`upcross.fallback_table`), a
    product created since the last recompute included. ``category`` is blank for the
    whole catalogue's best sellers (the empty cart). ``origin`` is ``category``
    (bought with products of this category) or ``best_seller`` (a best seller of
    ``via_category``, a category bought with this one, or of the whole catalogue).
    """

    category = models.CharField(_("for products of category"), max_length=255, blank=True)
    product = models.ForeignKey(
        PRODUCT_MODEL, on_delete=models.CASCADE, related_name="upcross_fallback_picks",
        verbose_name=_("suggested product"),
    )
    origin = models.CharField(_("origin"), max_length=16, choices=RelationOrigin.choices)
    rank = models.PositiveIntegerField(_("rank"), default=0)
    via_category = models.CharField(_("via category"), max_length=255, blank=True)
    pair_count = models.PositiveIntegerField(_("orders together"), null=True, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    lift = models.FloatField(_("lift"), null=True, blank=True)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    score = models.FloatField(_("score"), default=0.0)
    #: Picks sharing a non-blank group replace one another (linked by upgrade relations):
    #: a widget filled from the picks shows one of them.
    substitute_group = models.CharField(_("substitute group"), max_length=255, blank=True,
                                        default="")
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("fallback pick")
        verbose_name_plural = _("fallback picks")
        ordering = ("category", "rank")
        constraints = [
            models.UniqueConstraint(fields=("category", "product"),
                                    name="upcross_fallbackpick_unique"),
        ]
        indexes = [models.Index(fields=("category", "rank"), name="upcross_fallback_cat_rank")]

    def __str__(self) -> str:
        return f"{self.category or '*'} → {self.product} ({self.get_origin_display()})"


class ShowcaseDecision(models.Model):
    """A merchandiser's decision about one product in one showcase: pin it (at a
    position, before the computed ranking) or block it.

    The same vocabulary as a relation's decision (``status`` active/blocked, a manual
    ``position``), in its own table because a showcase pick has no source product.
    ``scope`` narrows the decision to one category of a per-category showcase (the
    category value as text); blank applies everywhere.
    """

    showcase = models.CharField(_("showcase"), max_length=32)
    product = models.ForeignKey(
        PRODUCT_MODEL, on_delete=models.CASCADE, related_name="upcross_showcase_decisions",
        verbose_name=_("product"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RelationStatus.choices, default=RelationStatus.ACTIVE,
        help_text=_("Active: pinned before the computed ranking. Blocked: never shown here."),
    )
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Pinned order: lower comes first.")
    )
    scope = models.CharField(
        _("category"), max_length=255, blank=True,
        help_text=_("Only in this category's showcase (blank: everywhere)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("showcase decision")
        verbose_name_plural = _("showcase decisions")
        ordering = ("showcase", "scope", "status", "position")
        constraints = [
            models.UniqueConstraint(fields=("showcase", "scope", "product"),
                                    name="upcross_showcase_decision_unique"),
        ]
        indexes = [models.Index(fields=("showcase", "status"), name="upcross_showcase_status")]

    def __str__(self) -> str:
        return f"{self.showcase}: {self.product} ({self.get_status_display()})"
