"""The read path: which products to suggest, shared by the template tags and the API.

``complements(product)``, ``upgrades(product)``, ``cart_complements(items)`` and
``cart_upgrades(items)`` merge manual relations (by position), rule relations and
mined relations (each by score), and keep out blocked pairs, relations outside
their active window, unavailable products, the product itself, what is in the
cart, the cart's upgrades and downgrades (for cart complements), and what a
signed-in customer already bought (unless its category is a repeat purchase).

Cost. Per product, everything the widgets need (relations of both kinds, the
parent's relations for a variant, price, categories) is built in two queries
and cached as one *entry*; each suggested product is cached as a *card* (the
instance, its price and categories). A warm product page costs no query; a cart
costs the same number of queries for 1 line as for 30. See :mod:`upcross.cache`
for keys and invalidation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from upcross import cache, read_rows
from upcross import fallback as fallback_module
from upcross.adapters import AddToCart, get_adapter
from upcross.conf import upcross_settings
from upcross.display import ProductDisplayMixin
from upcross.diversity import Diversity
from upcross.fallback_table import FallbackTable
from upcross.models import (
    ProductRelation,
    RelationKind,
    RelationOrigin,
    RelationStatus,
)
from upcross.read_timeout import bounded_read
from upcross.setting_values import is_dotted_path

COMPLEMENT = RelationKind.COMPLEMENT.value
UPGRADE = RelationKind.UPGRADE.value
KINDS: tuple[str, ...] = (COMPLEMENT, UPGRADE)

#: Manual relations first (the merchandiser's order), then rules, then mined evidence,
#: then the fallback chain (:mod:`upcross.fallback`).
ORIGIN_RANK: dict[str, int] = {
    RelationOrigin.MANUAL.value: 0,
    RelationOrigin.RULE.value: 1,
    RelationOrigin.MINED.value: 2,
    RelationOrigin.CATEGORY.value: 3,
    RelationOrigin.BEST_SELLER.value: 4,
}

REASONS: dict[tuple[str, str], Any] = {
    (COMPLEMENT, RelationOrigin.MANUAL.value): _("Goes well with this"),
    (COMPLEMENT, RelationOrigin.RULE.value): _("Goes well with this"),
    (COMPLEMENT, RelationOrigin.MINED.value): _("Often bought together"),
    (COMPLEMENT, RelationOrigin.CATEGORY.value): _("Often bought with products like this"),
    (COMPLEMENT, RelationOrigin.BEST_SELLER.value): _("A best seller"),
    (UPGRADE, RelationOrigin.MANUAL.value): _("Our pick if you want more"),
    (UPGRADE, RelationOrigin.RULE.value): _("A step up in the same range"),
    # Mined upgrades are substitutes: a similar name, the same extras, rarely together.
    (UPGRADE, RelationOrigin.MINED.value): _("The same line, a step up: shoppers with the "
                                             "same extras buy one or the other"),
}


# --- what the cache holds (language-neutral, picklable) ------------------------------


@dataclass(frozen=True)
class Candidate:
    """One active relation row, reduced to what ranking needs."""

    target: Any
    origin: str
    position: int
    score: float
    pair_count: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    #: The target's share of all orders, from a mined row's evidence (confidence / lift):
    #: the cart's popularity prior (``CART_POPULARITY_WEIGHT``). 0 without evidence.
    share: float = 0.0

    def live(self, now: datetime) -> bool:
        """Inside the active window; the same rule as ``RelationQuerySet.active()``."""
        return ((self.starts_at is None or self.starts_at <= now)
                and (self.ends_at is None or self.ends_at > now))

    def rank(self) -> tuple[int, int, float]:
        origin_rank = ORIGIN_RANK.get(self.origin, len(ORIGIN_RANK))
        position = self.position if self.origin == RelationOrigin.MANUAL.value else 0
        return origin_rank, position, -self.score


@dataclass(frozen=True)
class Entry:
    """Everything about one product that its widgets need, stamped with a token."""

    token: str
    price: Decimal | None
    categories: frozenset[Any]
    parent: Any
    own: Mapping[str, tuple[Candidate, ...]]
    inherited: Mapping[str, tuple[Candidate, ...]]
    blocked: frozenset[tuple[str, Any]]
    #: Products linked to this one by any upgrade relation, in either direction.
    neighbours: frozenset[Any]
    #: Substitutes among the products this one suggests: ``(a, b)`` linked by an active
    #: upgrade relation (see :mod:`upcross.diversity`).
    substitute_pairs: frozenset[tuple[Any, Any]] = frozenset()
    #: ``(kind, other)``: a merchandiser's active manual relation of ``kind`` between this
    #: product and ``other``, in either direction. The pair is then shown as that kind only.
    manual: frozenset[tuple[str, Any]] = frozenset()

    def candidates(self, kind: str, now: datetime) -> list[Candidate]:
        """Live candidates (manual, rule, mined), ranked; a variant without live ones of
        its own gets its parent's.

        The fallback chain is not stored per product: see :meth:`fallbacks`. A computed
        candidate of a pair the merchandiser made a manual relation of the other kind is
        left out: a manual complement cleanser ↔ toner is never also shown as an upgrade.
        """
        own = [c for c in self.own.get(kind, ()) if c.live(now)]
        chosen = own or [c for c in self.inherited.get(kind, ())
                         if c.live(now) and (kind, c.target) not in self.blocked]
        if self.manual:  # a manual relation of the other kind wins (cleanser ↔ toner)
            others = {other for manual_kind, other in self.manual if manual_kind != kind}
            chosen = [c for c in chosen if c.origin == RelationOrigin.MANUAL.value
                      or c.target not in others]
        return sorted(chosen, key=Candidate.rank)

    def fallbacks(self, pk: Any, table: FallbackTable | None, want: int,
                  skip: Iterable[Any] = ()) -> list[Candidate]:
        """Up to ``want`` complements of the fallback chain for product ``pk``, from its
        categories' picks (:mod:`upcross.fallback_table`), ranked after every candidate
        of :meth:`candidates`: never the product, its parent, its substitutes, a product
        of ``skip`` or a pair the merchandiser blocked."""
        if table is None or want <= 0:
            return []
        excluded = {pk, *skip, *self.substitutes()}
        if self.parent is not None:
            excluded.add(self.parent)
        excluded |= {target for kind, target in self.blocked if kind == COMPLEMENT}
        return [Candidate(target=pick.product, origin=pick.origin, position=0,
                          score=1.0 / (1 + position), pair_count=pick.pair_count,
                          starts_at=None, ends_at=None)
                for position, pick in enumerate(table.for_product(self.categories, excluded,
                                                                  want))]

    def short(self, below: int) -> bool:
        """Fewer than ``below`` complement rows (own, or the parent's): the fallback may
        have to fill its widget."""
        return len(self.own.get(COMPLEMENT) or self.inherited.get(COMPLEMENT) or ()) < below

    def substitutes(self) -> frozenset[Any]:
        """``neighbours`` less those a merchandiser made a manual complement of this one."""
        if not self.manual:
            return self.neighbours
        return self.neighbours - {other for kind, other in self.manual if kind == COMPLEMENT}

    def next_change(self, kind: str, now: datetime) -> datetime | None:
        """When a window of this kind's candidates next opens or closes (after ``now``)."""
        moments = [moment for c in (*self.own.get(kind, ()), *self.inherited.get(kind, ()))
                   for moment in (c.starts_at, c.ends_at) if moment is not None and moment > now]
        return min(moments, default=None)


@dataclass(frozen=True)
class Card:
    """A product that may be suggested: ``product`` is ``None`` when it is unavailable."""

    token: str
    product: models.Model | None
    price: Decimal | None
    categories: frozenset[Any]

    @property
    def shown(self) -> models.Model:
        """The product of a card that passed the availability filter (``pick``)."""
        if self.product is None:
            raise ValueError("the card of an unavailable product is never shown")
        return self.product


# --- what callers get -----------------------------------------------------------------


@dataclass(eq=False)
class Recommendation(ProductDisplayMixin):
    """One suggestion. ``reason`` is translated; display fields come from the adapter."""

    product: models.Model
    kind: str
    origin: str
    reason: str
    price: Decimal | None = None
    #: Upgrades: what the upgrade costs more than ``source`` (``None`` if a price is unknown).
    price_difference: Decimal | None = None
    score: float = 0.0
    pair_count: int | None = None
    #: The product it is suggested for (the page's product, or the cart line's product).
    source: models.Model | None = None
    #: Cart complements: every cart product that suggests it.
    sources: tuple[models.Model, ...] = field(default_factory=tuple)
    #: A limited-time offer: when the relation's active window closes (``None``: open-ended).
    ends_at: datetime | None = None
    #: Showcases: a merchandiser pinned it there.
    pinned: bool = False

    @property
    def source_name(self) -> str:
        """Display name of ``source`` (what a cart upgrade replaces)."""
        if self.source is None:
            return ""
        return get_adapter().product_display(self.source).name

    @cached_property
    def add_to_cart(self) -> AddToCart:
        return get_adapter().add_to_cart(self.product)

    @cached_property
    def swap(self) -> AddToCart | None:
        """Cart upgrades: the form that swaps ``source``'s line for this product, if any."""
        if self.kind != UPGRADE or self.source is None:
            return None
        return get_adapter().swap_cart_line(self.source, self.product)


class Recommendations(list[Recommendation]):
    """The results: a plain list, plus when they may change by the clock alone.

    ``expires_at`` is the next moment a relation's active window opens or closes
    (``None``: no window pending); caches of rendered widgets expire then.
    """

    expires_at: datetime | None = None

    @classmethod
    def of(cls, items: Iterable[Recommendation], expires_at: datetime | None) -> Recommendations:
        results = cls(items)
        results.expires_at = expires_at
        return results


def _earliest(moments: Iterable[datetime | None]) -> datetime | None:
    return min((moment for moment in moments if moment is not None), default=None)


# --- public API ------------------------------------------------------------------------


def complements(product: Any, limit: int | None = None, customer: Any = None,
                exclude: Iterable[Any] = (), fallback: bool | None = None) -> Recommendations:
    """"Add this too" for a product page, best first.

    ``exclude``: products (or pks, or cart lines) to leave out, e.g. the cart's.
    ``fallback``: fill up from the fallback chain (default: ``UPCROSS["FALLBACK"]``).
    """
    if product is None or not upcross_settings.COMPLEMENTS_ENABLED:
        return Recommendations()
    if fallback is None:
        fallback = fallback_module.enabled("complements")
    return _for_product(product, COMPLEMENT, checked_limit(limit), customer, exclude, fallback)


def complements_of_each(products: Iterable[Any], limit: int | None = None,
                        customer: Any = None, fallback: bool = False
                        ) -> dict[Any, Recommendations]:
    """``complements()`` of several products at once, keyed by pk, for about the cost of
    one (the bundles of a cart use it; bundles are built from evidence only)."""
    products = list(products)
    if not upcross_settings.COMPLEMENTS_ENABLED:
        return {getattr(p, "pk", p): Recommendations() for p in products}
    return _for_products(products, COMPLEMENT, checked_limit(limit), customer, fallback=fallback)


def upgrades(product: Any, limit: int | None = None, customer: Any = None,
             exclude: Iterable[Any] = ()) -> Recommendations:
    """"Upgrade to" for a product page, best first, with the price difference."""
    if product is None or not upcross_settings.UPGRADES_ENABLED:
        return Recommendations()
    return _for_product(product, UPGRADE, checked_limit(limit), customer, exclude)


def cart_complements(items: Iterable[Any], limit: int | None = None,
                     customer: Any = None, gap: Decimal | None = None,
                     exclude: Iterable[Any] = ()) -> Recommendations:
    """Complements of the whole cart, ranked by the sum of the scores the cart's lines
    give them (manual and rule relations first).

    ``gap`` (the free-shipping nudge): what the cart lacks to reach a threshold.
    Complements that cost at least that much rank first, each group in its usual order.
    ``exclude``: products (or pks) to leave out, e.g. what the page shows already.
    No two substitutes, at most ``MAX_PER_CATEGORY`` of a category (:mod:`upcross.diversity`).
    """
    if not upcross_settings.COMPLEMENTS_ENABLED:
        return Recommendations()
    lines = _cart_products(items)
    limit = checked_limit(limit)
    filling = fallback_module.enabled("cart_complements")
    if not lines and limit and filling:
        return best_sellers(limit, customer)
    if not lines or limit == 0:
        return Recommendations()
    now = timezone.now()
    snapshot = _Snapshot.load(lines, customer, fallback_below=limit + 2 if filling else 0)
    in_cart = set(lines) | {e.parent for e in snapshot.entries.values() if e.parent is not None}
    neighbours = set().union(*(e.substitutes() for e in snapshot.entries.values()))
    substitute = {str(c) for c in upcross_settings.SUBSTITUTE_CATEGORIES}
    cart_substitutes = {str(c) for e in snapshot.entries.values() for c in e.categories
                        if str(c) in substitute}

    supporters: dict[Any, list[Any]] = defaultdict(list)
    best: dict[Any, Candidate] = {}
    score: dict[Any, float] = defaultdict(float)
    for pk in lines:
        for candidate in snapshot.entries[pk].candidates(COMPLEMENT, now):
            target = candidate.target
            if target in in_cart or target in neighbours or pk in supporters[target]:
                continue
            supporters[target].append(pk)
            score[target] += candidate.score
            if target not in best or candidate.rank() < best[target].rank():
                best[target] = candidate
    # Manual, then rule, then mined; mined ones by the sum of their lines' scores (the
    # item model's scores add up by construction): one strong line can beat two weak ones.
    # A small popularity prior settles close calls (CART_POPULARITY_WEIGHT).
    prior = upcross_settings.CART_POPULARITY_WEIGHT
    ranked = sorted(best, key=lambda t: (best[t].rank()[:2],
                                         -(score[t] + prior * best[t].share)))

    left_out = {str(x) for x in product_pks(exclude)}

    def cart_rules(target: Any, card: Card) -> bool:
        if str(target) in left_out:
            return False
        return not (cart_substitutes and {str(c) for c in card.categories} & cart_substitutes)

    accept = Diversity.for_widget(
        [*(pair for e in snapshot.entries.values() for pair in e.substitute_pairs),
         *(snapshot.table.substitute_pairs if snapshot.table is not None else ())],
        also=cart_rules, seen=left_out)

    results = Recommendations.of((), _earliest(
        e.next_change(COMPLEMENT, now) for e in snapshot.entries.values()))
    nudging = gap is not None and gap > 0
    # The nudge looks further down the ranking for products that close the gap.
    picked = snapshot.pick(ranked, limit * GAP_POOL_FACTOR if nudging else limit, accept)
    if gap is not None and nudging:
        picked.sort(key=lambda pair: not _closes_gap(pair[1], gap))  # stable: keeps the order
        picked = picked[:limit]
    if filling and len(picked) < limit:
        picked += _fill_cart(lines, snapshot, now, in_cart | neighbours | set(best), limit
                             - len(picked), accept, best, supporters, score)
    for target, card in picked:
        candidate, count = best[target], len(supporters[target])
        reason = (ngettext("Goes with %(count)d item in your cart",
                           "Goes with %(count)d items in your cart", count) % {"count": count}
                  if count > 1 and not fallback_module.is_fallback(candidate.origin)
                  else _reason(COMPLEMENT, candidate))
        results.append(Recommendation(
            product=card.shown, kind=COMPLEMENT, origin=candidate.origin, reason=reason,
            price=card.price, score=score[target], pair_count=candidate.pair_count,
            source=lines[supporters[target][0]],
            sources=tuple(lines[pk] for pk in supporters[target]),
            ends_at=candidate.ends_at,
        ))
    return results


def cart_upgrades(items: Iterable[Any], customer: Any = None) -> Recommendations:
    """At most one upgrade per cart line, in cart order; ``source`` is the line's product."""
    if not upcross_settings.UPGRADES_ENABLED:
        return Recommendations()
    lines = _cart_products(items)
    if not lines:
        return Recommendations()
    now = timezone.now()
    snapshot = _Snapshot.load(lines, customer)
    results = Recommendations.of((), _earliest(
        e.next_change(UPGRADE, now) for e in snapshot.entries.values()))
    for pk, product in lines.items():
        entry = snapshot.entries[pk]
        candidates = {c.target: c for c in entry.candidates(UPGRADE, now)}
        excluded = set(lines) | {entry.parent}
        ranked = [target for target in candidates if target not in excluded]
        for target, card in snapshot.pick(ranked, 1, _pricier_than(entry, candidates)):
            results.append(_upgrade(candidates[target], card, entry, product))
    return results


# --- building results -----------------------------------------------------------------


def _for_product(product: Any, kind: str, limit: int, customer: Any,
                 exclude: Iterable[Any] = (), fallback: bool = False) -> Recommendations:
    return _for_products([product], kind, limit, customer, exclude,
                         fallback)[getattr(product, "pk", product)]


def _for_products(products: Iterable[Any], kind: str, limit: int, customer: Any,
                  exclude: Iterable[Any] = (), fallback: bool = False
                  ) -> dict[Any, Recommendations]:
    """Each product's suggestions of ``kind``: one snapshot and one cards round trip
    for all of them (a product page is the one-product case)."""
    instances = {getattr(p, "pk", p): p if isinstance(p, models.Model) else None
                 for p in products}
    if limit == 0:
        return {pk: Recommendations() for pk in instances}
    fallback = fallback and kind == COMPLEMENT
    snapshot = _Snapshot.load(instances, customer, fallback_below=limit + 2 if fallback else 0)
    now = timezone.now()
    # Compared as text: a cart may hold pks as strings (session keys).
    left_out = {str(x) for x in product_pks(exclude)}
    plans = {}
    for pk in instances:
        entry = snapshot.entries[pk]
        candidates = {c.target: c for c in entry.candidates(kind, now)}
        if fallback:  # ranked after every candidate of the product's own
            for candidate in entry.fallbacks(pk, snapshot.table, 3 * limit + 2, candidates):
                candidates.setdefault(candidate.target, candidate)
        excluded = left_out | {str(x) for x in (pk, entry.parent) if x is not None}
        if kind == COMPLEMENT:  # a substitute of the product is not a complement of it
            excluded |= {str(x) for x in entry.substitutes()}
        plans[pk] = (entry, candidates,
                     [target for target in candidates if str(target) not in excluded])
    snapshot.prefetch_cards(ranked[:limit + 2] for _entry, _candidates, ranked in plans.values())
    found = {}
    for pk, (entry, candidates, ranked) in plans.items():
        instance = instances[pk]
        pairs = entry.substitute_pairs
        if fallback and snapshot.table is not None:
            pairs = pairs | snapshot.table.substitute_pairs
        accept = (_pricier_than(entry, candidates) if kind == UPGRADE
                  else Diversity.for_widget(pairs, seen=left_out))
        results = Recommendations.of((), entry.next_change(kind, now))
        for target, card in snapshot.pick(ranked, limit, accept):
            candidate = candidates[target]
            if kind == UPGRADE:
                results.append(_upgrade(candidate, card, entry, instance))
            else:
                results.append(Recommendation(
                    product=card.shown, kind=kind, origin=candidate.origin,
                    reason=_reason(kind, candidate), price=card.price, score=candidate.score,
                    pair_count=candidate.pair_count, source=instance,
                    ends_at=candidate.ends_at,
                ))
        found[pk] = results
    return found


def _upgrade(candidate: Candidate, card: Card, entry: Entry,
             source: models.Model | None) -> Recommendation:
    difference = (card.price - entry.price
                  if card.price is not None and entry.price is not None else None)
    return Recommendation(
        product=card.shown, kind=UPGRADE, origin=candidate.origin,
        reason=_reason(UPGRADE, candidate), price=card.price, price_difference=difference,
        score=candidate.score, pair_count=candidate.pair_count, source=source,
        ends_at=candidate.ends_at,
    )


def _pricier_than(entry: Entry,
                  candidates: Mapping[Any, Candidate]) -> Callable[[Any, Card], bool]:
    """Upgrades cost more. A merchandiser's manual upgrade is trusted as it is."""

    def accept(target: Any, card: Card) -> bool:
        if candidates[target].origin == RelationOrigin.MANUAL.value:
            return True
        return card.price is None or entry.price is None or card.price > entry.price

    return accept


#: The free-shipping nudge looks this many times ``limit`` down the ranking for closers.
GAP_POOL_FACTOR = 5


def _closes_gap(card: Card, gap: Decimal) -> bool:
    return card.price is not None and card.price >= gap


def _reason(kind: str, candidate: Candidate) -> str:
    if kind == COMPLEMENT and candidate.origin == RelationOrigin.MINED.value \
            and candidate.pair_count:
        return ngettext("Bought together in %(count)d order",
                        "Bought together in %(count)d orders",
                        candidate.pair_count) % {"count": candidate.pair_count}
    return str(REASONS.get((kind, candidate.origin), _("Recommended")))


def checked_limit(limit: Any) -> int:
    """A widget's ``limit``: ``DEFAULT_LIMIT`` when ``None``, else a whole number of 0 or
    more (``ValueError`` otherwise)."""
    if limit is None:
        return upcross_settings.DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a whole number of 0 or more, not {limit!r}")
    return limit


def product_pks(items: Iterable[Any] | None) -> list[Any]:
    """Pks of products, of cart lines (``.product``), or pks as they are."""
    pks = []
    for item in items or ():
        product = getattr(item, "product", item)
        pk = getattr(product, "pk", product)
        if pk is not None:
            pks.append(pk)
    return pks


def _cart_products(items: Iterable[Any] | None) -> dict[Any, Any]:
    """``{pk: product}`` in cart order, from products or lines with a ``.product``."""
    if items is None:
        return {}
    model = get_adapter().product_model()
    lines: dict[Any, Any] = {}
    for item in items:
        product = item if isinstance(item, model) else getattr(item, "product", None)
        if isinstance(product, models.Model) and product.pk is not None:
            lines.setdefault(product.pk, product)
    return lines


# --- loading: cache first, then two queries -------------------------------------------


class _Snapshot:
    """Entries of some products, plus the cards and the customer's purchases around them."""

    def __init__(self, token: str, entries: dict[Any, Entry], cards: dict[Any, Card],
                 bought: frozenset[Any], table: FallbackTable | None = None) -> None:
        self.token = token
        self.entries = entries
        self.cards = cards
        self.bought = bought
        #: The fallback chain's per-category picks, when the widget may show them.
        self.table = table
        self._repeat = {str(c) for c in upcross_settings.REPEAT_PURCHASE_CATEGORIES}

    @classmethod
    def load(cls, products: Mapping[Any, models.Model | None], customer: Any,
             fallback_below: int = 0) -> _Snapshot:
        """``fallback_below``: also the fallback table when a product has fewer complement
        candidates of its own (0: never).

        Cold, two queries whatever is missing: entries (with the table, when it is
        wanted and not cached: :func:`_build_entries`), or the table alone when only it
        is missing and a product needs it (:func:`_read_table`). Warm, none.
        """
        fallback = fallback_below > 0
        customer_pk = _customer_pk(customer)
        keys = [cache.GENERATION_KEY, cache.BOUGHT_GENERATION_KEY]
        keys += [cache.entry_key(pk) for pk in products]
        if fallback:
            keys.append(cache.fallback_key())
        if customer_pk is not None:
            keys.append(cache.bought_key(customer_pk))
        found = cache.get_many(keys)
        token, bought_token = cache.tokens(found)
        entries: dict[Any, Entry] = {}
        for pk in products:
            entry = found.get(cache.entry_key(pk))
            if isinstance(entry, Entry) and entry.token == token:
                entries[pk] = entry
        table = found.get(cache.fallback_key()) if fallback else None
        if not (isinstance(table, FallbackTable) and table.token == token):
            table = None
        below = fallback_below if fallback and table is None else 0
        cards: dict[Any, Card] = {}
        missing = {pk: products[pk] for pk in products if pk not in entries}
        if missing:  # the table, if wanted, comes in the same two queries
            built, built_cards, built_table = _build_entries(missing, token, bool(below))
            cards.update(built_cards)
            entries.update(built)
            fresh: dict[str, Any] = {cache.entry_key(pk): entry for pk, entry in built.items()}
            if built_table is not None:
                table = built_table
                fresh[cache.fallback_key()] = table
            cache.set_many(fresh | {cache.card_key(pk): card
                                    for pk, card in built_cards.items()})
        elif below and (not products or any(entry.short(below) for entry in entries.values())):
            table_cards, table = _read_table(token)
            cards.update(table_cards)
            cache.set_many({cache.fallback_key(): table}
                           | {cache.card_key(pk): card for pk, card in table_cards.items()})
        bought: frozenset[Any] = frozenset()
        if customer_pk is not None:
            stamped = found.get(cache.bought_key(customer_pk))
            if isinstance(stamped, tuple) and len(stamped) == 2 and stamped[0] == bought_token:
                bought = stamped[1]
            else:
                bought = frozenset(get_adapter().customer_product_pks(customer_pk))
                cache.set_many({cache.bought_key(customer_pk): (bought_token, bought)})
        return cls(token, entries, cards, bought, table)

    def prefetch_cards(self, batches: Iterable[list[Any]]) -> None:
        """Fetch the cards of several products' first picks in one round trip."""
        self._fetch_cards(list(dict.fromkeys(pk for batch in batches for pk in batch)))

    def pick(self, ranked: list[Any], limit: int,
             accept: Callable[[Any, Card], bool] | None = None) -> list[tuple[Any, Card]]:
        """The first ``limit`` targets of ``ranked`` that are available and not excluded.

        Cards are fetched in small batches: usually one ``get_many``, and more only
        when many candidates turn out unavailable or already bought.
        """
        picked: list[tuple[Any, Card]] = []
        start = 0
        while len(picked) < limit and start < len(ranked):
            batch = ranked[start:start + limit + 2]
            start += len(batch)
            self._fetch_cards(batch)
            for target in batch:
                card = self.cards.get(target)
                if card is None or card.product is None or not self._may_suggest(target, card):
                    continue
                if accept is not None and not accept(target, card):
                    continue
                picked.append((target, card))
                if len(picked) == limit:
                    break
        return picked

    def _may_suggest(self, target: Any, card: Card) -> bool:
        if target not in self.bought:
            return True
        return bool(self._repeat and {str(c) for c in card.categories} & self._repeat)

    def _fetch_cards(self, pks: list[Any]) -> None:
        wanted = [pk for pk in pks if pk not in self.cards]
        if not wanted:
            return
        found = cache.get_many([cache.card_key(pk) for pk in wanted])
        missing = []
        for pk in wanted:
            card = found.get(cache.card_key(pk))
            if isinstance(card, Card) and card.token == self.token:
                self.cards[pk] = card
            else:
                missing.append(pk)
        if missing:
            built = _build_cards(missing, self.token)
            self.cards.update(built)
            cache.set_many({cache.card_key(pk): card for pk, card in built.items()})


def _customer_pk(customer: Any) -> Any:
    """A user (or its pk); ``None`` for no one, including ``AnonymousUser``."""
    if customer is None or getattr(customer, "is_authenticated", True) is False:
        return None
    return getattr(customer, "pk", customer)


@bounded_read(ProductRelation)
def _build_cards(pks: list[Any], token: str) -> dict[Any, Card]:
    """Two queries: which of ``pks`` are available (with instances), and their facts."""
    adapter = get_adapter()
    model = adapter.product_model()
    available = {p.pk: p for p in adapter.available_products(
        model._default_manager.filter(pk__in=pks))}
    facts = adapter.product_facts(list(available)) if available else {}
    cards = {}
    for pk in pks:
        product = available.get(pk)
        fact = facts.get(pk)
        cards[pk] = Card(token=token, product=product,
                         price=fact.price if fact else None,
                         categories=fact.categories if fact else frozenset())
    return cards


@bounded_read(ProductRelation)
def _build_entries(products: Mapping[Any, models.Model | None], token: str,
                   with_table: bool = False
                   ) -> tuple[dict[Any, Entry], dict[Any, Card], FallbackTable | None]:
    """Entries of ``products`` and cards of every product they suggest, in two queries;
    ``with_table``: also the fallback table and its products' cards, in the same two.

    Query 1 (:mod:`upcross.read_rows`): relation rows (own active rows of both kinds,
    the parent's active rows for variants, own blocked rows, upgrades and manual rows
    pointing at the products, active upgrades between the products' targets: the
    substitutes a widget must not show side by side) with their targets and whether
    each target is available; ``with_table``: ``UNION ALL`` the fallback picks of
    available products, with the products. The picks are read whether or not a product
    turns out short of complements (that is known only after the query): the table is
    cached with the entries, and read once per generation either way.
    Query 2: ``product_facts`` of the products, of every available target and of every
    picked product. A parent given by a callable costs one more query (its facts come
    first).
    """
    adapter = get_adapter()
    model = adapter.product_model()
    pks = list(products)
    pk_set = set(pks)
    parents, parent_source = _parent_sources(products, model)
    sources = Q(source__in=pks)
    if parent_source is not None:
        sources |= Q(source__in=parent_source)
    active = Q(status=RelationStatus.ACTIVE.value)
    suggested = ProductRelation._default_manager.filter(sources & active).values("target")
    relations = ProductRelation._default_manager.filter(
        (sources & active)
        | Q(source__in=pks, status=RelationStatus.BLOCKED.value)
        | Q(kind=UPGRADE, target__in=pks)
        | (Q(target__in=pks, origin=RelationOrigin.MANUAL.value) & active)
        | (Q(kind=UPGRADE, source__in=suggested, target__in=suggested) & active)
    ).filter(kind__in=KINDS)
    rows, picks = read_rows.read(relations, with_picks=with_table)
    by_source: dict[Any, dict[str, list[Candidate]]] = defaultdict(lambda: defaultdict(list))
    blocked: dict[Any, set[tuple[str, Any]]] = defaultdict(set)
    neighbours: dict[Any, set[Any]] = defaultdict(set)
    manual: dict[Any, set[tuple[str, Any]]] = defaultdict(set)
    upgrade_links: set[tuple[Any, Any]] = set()
    targets: dict[Any, models.Model] = {}
    for row in rows:
        if row.kind == UPGRADE:
            if row.target_id in pk_set:
                neighbours[row.target_id].add(row.source_id)
            if row.source_id in pk_set:
                neighbours[row.source_id].add(row.target_id)
            if row.status == RelationStatus.ACTIVE.value:
                upgrade_links.add((row.source_id, row.target_id))
        if row.origin == RelationOrigin.MANUAL.value \
                and row.status == RelationStatus.ACTIVE.value:
            if row.source_id in pk_set:
                manual[row.source_id].add((row.kind, row.target_id))
            if row.target_id in pk_set:
                manual[row.target_id].add((row.kind, row.source_id))
        if row.status == RelationStatus.BLOCKED.value:
            if row.source_id in pk_set:
                blocked[row.source_id].add((row.kind, row.target_id))
            continue
        if row.target is None:  # inactive, or its target is unavailable
            continue
        by_source[row.source_id][row.kind].append(Candidate(
            target=row.target_id, origin=row.origin, position=row.position,
            score=row.score or 0.0, pair_count=row.pair_count,
            starts_at=row.starts_at, ends_at=row.ends_at,
            share=row.confidence / row.lift if row.confidence and row.lift else 0.0,
        ))
        targets[row.target_id] = row.target
    facts = adapter.product_facts([*pks, *targets, *(pick.product_id for pick in picks)])
    entries = {}
    for pk in pks:
        fact = facts[pk]
        parent = parents.get(pk, fact.parent)
        inherited = by_source.get(parent, {}) if parent is not None and parent != pk else {}
        own = by_source.get(pk, {})
        shown = {c.target for rows_of in (own, inherited) for kind_rows in rows_of.values()
                 for c in kind_rows}
        entries[pk] = Entry(
            token=token, price=fact.price, categories=fact.categories, parent=parent,
            own={kind: tuple(own.get(kind, ())) for kind in KINDS},
            inherited={kind: tuple(inherited.get(kind, ())) for kind in KINDS},
            blocked=frozenset(blocked.get(pk, ())),
            neighbours=frozenset(neighbours.get(pk, ())),
            substitute_pairs=frozenset((a, b) for a, b in upgrade_links
                                       if a in shown and b in shown),
            manual=frozenset(manual.get(pk, ())),
        )
    cards = {
        pk: Card(token=token, product=product, price=facts[pk].price,
                 categories=facts[pk].categories)
        for pk, product in targets.items()
    }
    if not with_table:
        return entries, cards, None
    table_cards, table = _table_cards(picks, token, facts)
    return entries, cards | table_cards, table


def _parent_sources(products: Mapping[Any, models.Model | None],
                    model: type[models.Model]) -> tuple[dict[Any, Any], Any]:
    """Parents known up front, and what to add to the relation query's sources.

    A plain foreign key is read from the instances (no query); another field path
    becomes a subquery; a callable needs the facts first (one query).
    """
    spec = get_adapter().product_field("parent")
    if not spec:
        return {}, None
    if isinstance(spec, str) and not is_dotted_path(spec):
        if "__" not in spec and all(p is not None for p in products.values()):
            try:
                field_ = model._meta.get_field(spec)
            except FieldDoesNotExist:
                field_ = None
            if field_ is not None and field_.many_to_one and field_.concrete:
                parents = {pk: getattr(p, field_.attname) for pk, p in products.items()}
                known = [parent for parent in parents.values() if parent is not None]
                return parents, known or None
        return {}, model._default_manager.filter(pk__in=list(products)).values(spec)
    facts = get_adapter().product_facts(list(products))
    parents = {pk: fact.parent for pk, fact in facts.items()}
    return parents, [parent for parent in parents.values() if parent is not None] or None


# --- the fallback chain: cart fill-up and best sellers (upcross.fallback_table) -------


def _table_cards(picks: list[read_rows.PickRow], token: str, facts: Mapping[Any, Any] | None
                 ) -> tuple[dict[Any, Card], FallbackTable]:
    """Cards of the picked products and the table; ``facts``: theirs, or ``None`` to read
    them (one query)."""
    products = {pick.product_id: pick.product for pick in picks}
    if facts is None or any(pk not in facts for pk in products):
        facts = get_adapter().product_facts(list(products)) if products else {}
    cards = {pk: Card(token=token, product=product, price=facts[pk].price,
                      categories=facts[pk].categories) for pk, product in products.items()}
    return cards, FallbackTable.of(token, picks, {pk: facts[pk].categories for pk in products})


@bounded_read(ProductRelation)
def _read_table(token: str) -> tuple[dict[Any, Card], FallbackTable]:
    """The fallback table alone, with its products' cards (two queries: the picks of
    available products with the products, their facts), for products whose entries
    are cached while the table is not."""
    _rows, picks = read_rows.read(None, with_picks=True)
    return _table_cards(picks, token, None)


def _fill_cart(lines: Mapping[Any, Any], snapshot: _Snapshot, now: datetime, skip: set[Any],
               wanted: int, accept: Callable[[Any, Card], bool],
               best: dict[Any, Candidate], supporters: dict[Any, list[Any]],
               score: dict[Any, float]) -> list[tuple[Any, Card]]:
    """Fallback picks for a cart short of evidence: the lines' category co-purchase picks
    before their best sellers, each ranked as its line ranks it, lines in turn.

    Records what the results are built from in ``best``/``supporters``/``score``.
    """
    found: dict[Any, Candidate] = {}
    backers: dict[Any, list[Any]] = defaultdict(list)
    for pk in lines:
        entry = snapshot.entries[pk]
        for candidate in entry.fallbacks(pk, snapshot.table, 3 * wanted + 2, skip):
            target = candidate.target
            backers[target].append(pk)
            if target not in found or candidate.rank() < found[target].rank():
                found[target] = candidate
    ranked = sorted(found, key=lambda t: (found[t].rank()[0], -len(backers[t]),
                                          found[t].rank()[2]))
    picked = snapshot.pick(ranked, wanted, accept)
    for target, _card in picked:
        best[target], supporters[target] = found[target], backers[target]
        score[target] = found[target].score
    return picked


def best_sellers(limit: int | None = None, customer: Any = None) -> Recommendations:
    """The catalogue's best sellers (an empty cart), as the last complements recompute
    ranked them: cold two queries (the picks with their products, their facts), warm none.
    """
    limit = checked_limit(limit)
    if limit == 0 or not upcross_settings.COMPLEMENTS_ENABLED:
        return Recommendations()
    snapshot = _Snapshot.load({}, customer, fallback_below=1)
    ranked = [pick.product for pick in snapshot.table.best_sellers()] if snapshot.table else []
    reason = str(REASONS[(COMPLEMENT, fallback_module.BEST_SELLER)])
    return Recommendations.of((
        Recommendation(product=card.shown, kind=COMPLEMENT,
                       origin=fallback_module.BEST_SELLER, reason=reason, price=card.price,
                       score=1.0 / (1 + position))
        for position, (_target, card) in enumerate(snapshot.pick(ranked, limit))
    ), None)
