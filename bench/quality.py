"""Offline quality of the suggestions: basket completion, leave-one-out.

    .venv/bin/python bench/quality.py              # both data sets, seeds 0-2 (a few minutes)
    .venv/bin/python bench/quality.py --quick      # smoke run: seed 0, smaller data
    .venv/bin/python bench/quality.py --skip-upgrades

Per data set and seed: the baskets are split 80/20 (by basket, shuffled by the
seed). From every test basket with at least two distinct products one product
is hidden (chosen by the seed) and each method is asked for its top 10 from the
rest. Scores, mean ± sd over the seeds:

- ``hr@4``, ``hr@10``: share of queries whose hidden product is in the top 4 / 10;
- ``ndcg@10``: ``1 / log2(rank + 2)`` of the hidden product (0 beyond rank 10);
- ``cov@4``: distinct products shown in any top 4, over the catalogue's products;
- ``short@4``: share of queries with fewer than 4 suggestions;
- ``fit_s``: training time (for upcross: ``recomputing.recompute`` on the train orders).

Methods: ``popularity`` (best sellers), ``rules`` (association rules ranked by
the highest confidence of any cart product, at least 2 orders together),
``knn`` (item-kNN, cosine similarity of the co-purchase columns, summed over
the cart), ``ease`` (Steck 2019, ``B = I - P / diag(P)``, ``P = (XᵀX + λI)⁻¹``,
λ tuned on a validation split carved from train: the best NDCG@10 of a grid)
and ``upcross``: the real path. The train orders are loaded as the demo shop's
paid orders into a throwaway SQLite database (a temporary directory, removed
afterwards), ``recomputing.recompute("all")`` mines them with the project's
settings, and ``upcross.recommend.cart_complements(products, limit=10)`` answers
every query (local-memory cache, no customer).

Data sets: ``groceries`` (../shared/data/groceries.csv: 9,835 real baskets, 169
products; no prices or categories, so every product is its own category at one
price and nothing is an upgrade) and ``longtail``
(``upcross.mining.synthetic.generate``: 5,000 products, 12,000 orders, most
products in a handful of orders; its categories and prices).

If ``bench/upgrade_check.py`` exists, its ``evaluate_upgrades()`` (upgrade
precision and recall on the demo's labelled truth) runs too, in a child process
(it builds its own demo data), unless ``--skip-upgrades``.

Prints a table and, last, one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.linalg import lapack

REPO = Path(__file__).resolve().parent.parent
GROCERIES = REPO / ".." / "shared" / "data" / "groceries.csv"
METHODS = ("popularity", "rules", "knn", "ease", "upcross")
METRICS = ("hr@4", "hr@10", "ndcg@10", "cov@4", "short@4", "fit_s")
TOP = 10
EASE_LAMBDAS = (10.0, 30.0, 100.0, 300.0, 1000.0)
RULES_MIN_PAIRS = 2
#: upcross's settings tried on the validation folds: (ITEM_MODEL_L2, ITEM_MODEL_DROPOUT)
#: and CART_POPULARITY_WEIGHT. Above SMALL_CATALOGUE products only the weight is tried
#: (at the default regularisation): every pair of the grid costs one item-model fit.
UPCROSS_REGULARISATION = tuple(itertools.product((30.0, 100.0, 300.0), (0.0, 0.3, 0.5)))
UPCROSS_PRIORS = (0.0, 0.1)
#: Validation, for EASE and upcross alike: 3 folds of 20 % of the train baskets on a small
#: catalogue, one fold of 10 % above it (each fit of a large one costs seconds).
SMALL_CATALOGUE = 1_000


# --- data ---------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Baskets as arrays of product codes, plus product facts for the shop tables."""

    name: str
    baskets: list[np.ndarray]  # distinct product codes per basket
    price: np.ndarray  # per product code
    category: np.ndarray  # per product code
    customer: np.ndarray  # per basket, -1 for guests
    names: list[str]

    @property
    def n_products(self) -> int:
        return len(self.price)


def groceries(path: Path = GROCERIES) -> Dataset:
    rows = [[item.strip() for item in line.split(",") if item.strip()]
            for line in path.read_text().splitlines()]
    names = sorted({item for row in rows for item in row})
    code = {name: i for i, name in enumerate(names)}
    baskets = [np.unique([code[item] for item in row]) for row in rows if row]
    n = len(names)
    return Dataset("groceries", baskets, np.ones(n), np.arange(n),
                   np.full(len(baskets), -1), names)


def longtail(n_products: int = 5_000, n_orders: int = 12_000, seed: int = 11) -> Dataset:
    from upcross.mining.synthetic import generate

    shop = generate(n_orders, n_products, category_size=50, seed=seed)
    starts = np.flatnonzero(np.r_[True, shop.order[1:] != shop.order[:-1]])
    bounds = np.r_[starts, len(shop.order)]
    baskets = [np.unique(shop.product[a:b]) for a, b in itertools.pairwise(bounds)]
    return Dataset("longtail", baskets, shop.price, shop.category, shop.customer[starts],
                   [f"Product {p}" for p in range(n_products)])


@dataclass
class Split:
    train: list[int]  # basket indexes
    queries: list[np.ndarray]  # visible products per query
    hidden: np.ndarray  # the hidden product per query


def split(data: Dataset, seed: int, share: float = 0.2) -> Split:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(data.baskets))
    n_test = round(share * len(order))
    test, train = order[:n_test], order[n_test:]
    queries, hidden = [], []
    for index in test.tolist():
        basket = data.baskets[index]
        if len(basket) < 2:
            continue
        pick = int(rng.integers(len(basket)))
        hidden.append(int(basket[pick]))
        queries.append(np.delete(basket, pick))
    return Split(sorted(train.tolist()), queries, np.asarray(hidden, dtype=np.int64))


def matrix(baskets: list[np.ndarray], n_products: int) -> sparse.csr_matrix:
    rows = np.repeat(np.arange(len(baskets)), [len(b) for b in baskets])
    cols = np.concatenate(baskets) if baskets else np.empty(0, np.int64)
    return sparse.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)),
                             shape=(len(baskets), n_products))


# --- scoring ------------------------------------------------------------------------------


def evaluate(top: list[list[int]], hidden: np.ndarray, n_products: int) -> dict[str, float]:
    hits4 = hits10 = gain = short = 0.0
    shown: set[int] = set()
    for ranked, target in zip(top, hidden.tolist(), strict=True):
        ranked = ranked[:TOP]
        shown.update(ranked[:4])
        short += len(ranked) < 4
        if target in ranked:
            rank = ranked.index(target)
            hits4 += rank < 4
            hits10 += 1
            gain += 1.0 / math.log2(rank + 2)
    n = max(len(hidden), 1)
    return {"hr@4": hits4 / n, "hr@10": hits10 / n, "ndcg@10": gain / n,
            "cov@4": len(shown) / n_products, "short@4": short / n}


def top_of_scores(scores: np.ndarray, queries: list[np.ndarray],
                  positive_only: bool) -> list[list[int]]:
    """Top ``TOP`` products per row of ``scores`` (dense), query products left out."""
    scores = scores.astype(np.float64, copy=True)
    for row, items in enumerate(queries):
        scores[row, items] = -np.inf
    if positive_only:
        scores[scores <= 0] = -np.inf
    k = min(TOP, scores.shape[1] - 1)
    part = np.argpartition(-scores, k, axis=1)[:, :k]
    out = []
    for row, cols in enumerate(part):
        values = scores[row, cols]
        order = np.lexsort((cols, -values))
        out.append([int(c) for c in cols[order] if np.isfinite(scores[row, c])])
    return out


def query_matrix(queries: list[np.ndarray], n_products: int) -> sparse.csr_matrix:
    return matrix(queries, n_products)


def gram(x: sparse.csr_matrix) -> np.ndarray:
    return (x.T @ x).toarray().astype(np.float64)


def popularity(x: sparse.csr_matrix, queries: list[np.ndarray]) -> list[list[int]]:
    counts = np.asarray(x.sum(axis=0)).ravel()
    return top_of_scores(np.tile(counts, (len(queries), 1)), queries, positive_only=True)


def rules(x: sparse.csr_matrix, queries: list[np.ndarray]) -> list[list[int]]:
    g = gram(x)
    counts = np.diag(g).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        confidence = np.where(g >= RULES_MIN_PAIRS, g / counts[:, None], 0.0)
    np.fill_diagonal(confidence, 0.0)
    scores = np.zeros((len(queries), len(counts)))
    for row, items in enumerate(queries):
        if len(items):
            # Highest confidence first; popularity of the target breaks ties.
            scores[row] = confidence[items].max(axis=0) + 1e-9 * counts / counts.max()
            scores[row][confidence[items].max(axis=0) == 0] = 0
    return top_of_scores(scores, queries, positive_only=True)


def knn(x: sparse.csr_matrix, queries: list[np.ndarray]) -> list[list[int]]:
    g = gram(x)
    norm = np.sqrt(np.maximum(np.diag(g), 1e-12))
    similarity = g / norm[:, None] / norm[None, :]
    np.fill_diagonal(similarity, 0.0)
    q = query_matrix(queries, len(norm))
    return top_of_scores(np.asarray(q @ similarity), queries, positive_only=True)


def ease_weights(g: np.ndarray, lam: float) -> np.ndarray:
    """EASE over the products bought in train (the others get no weight)."""
    used = np.flatnonzero(np.diag(g) > 0)
    p = g[np.ix_(used, used)]
    p[np.diag_indices_from(p)] += lam
    # Cholesky inverse (the matrix is symmetric positive definite): half an LU's work.
    factor, info = lapack.dpotrf(p, lower=0)
    inverse, info2 = lapack.dpotri(factor, lower=0)
    if info or info2:
        raise np.linalg.LinAlgError("EASE: the regularised Gram matrix is not invertible")
    inverse = np.triu(inverse) + np.triu(inverse, 1).T
    weights = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(weights, 0.0)
    b = np.zeros_like(g)
    b[np.ix_(used, used)] = weights
    return b


def ease(x: sparse.csr_matrix, queries: list[np.ndarray], lam: float) -> list[list[int]]:
    b = ease_weights(gram(x), lam)
    q = query_matrix(queries, b.shape[0])
    return top_of_scores(np.asarray(q @ b), queries, positive_only=False)


@dataclass
class Fold:
    part: Split
    baskets: list[np.ndarray]  # the fold's train baskets
    x: sparse.csr_matrix


def validation_folds(data: Dataset, train: list[int], seed: int) -> list[Fold]:
    """Validation folds carved from the train baskets only (never the test split)."""
    inner = Dataset(data.name, [data.baskets[i] for i in train], data.price, data.category,
                    data.customer[train], data.names)
    small = data.n_products <= SMALL_CATALOGUE
    folds = []
    for fold in range(3 if small else 1):
        part = split(inner, seed + 1000 + fold, share=0.2 if small else 0.1)
        baskets = [inner.baskets[i] for i in part.train]
        folds.append(Fold(part, baskets, matrix(baskets, data.n_products)))
    return folds


def tune_ease(data: Dataset, folds: list[Fold]) -> float:
    """λ with the best mean NDCG@10 on the validation folds."""
    def quality(lam: float) -> float:
        return sum(evaluate(ease(fold.x, fold.part.queries, lam), fold.part.hidden,
                            data.n_products)["ndcg@10"] for fold in folds)

    return max(EASE_LAMBDAS, key=quality)


def upcross_scores(baskets: list[np.ndarray], n_products: int, l2: float, dropout: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """What the complements recompute stores, by upcross's own mining (pure computation,
    default thresholds and per-product cap): a dense ``source x target`` score matrix
    (0: no row), and each product's share of the orders (confidence / lift of its rows)."""
    from upcross.conf import DEFAULTS
    from upcross.mining import ItemModelParams, RuleParams, complement_rules
    from upcross.mining.counting import build_baskets, count_baskets

    orders = np.repeat(np.arange(len(baskets)), [len(b) for b in baskets])
    counts = count_baskets(build_baskets(orders, np.concatenate(baskets)))
    rules = complement_rules(counts, RuleParams(
        min_pair_count=DEFAULTS["MIN_PAIR_COUNT"], min_confidence=DEFAULTS["MIN_CONFIDENCE"],
        min_lift=DEFAULTS["MIN_LIFT"], max_per_product=DEFAULTS["MAX_PER_PRODUCT"],
        item_model=ItemModelParams(DEFAULTS["ITEM_MODEL_MAX_ITEMS"], l2, dropout)))
    codes = counts.product_ids.astype(np.int64)
    scores = np.zeros((n_products, n_products))
    scores[codes[rules.source], codes[rules.target]] = rules.score
    share = np.zeros(n_products)
    with np.errstate(divide="ignore", invalid="ignore"):
        share[codes[rules.target]] = np.nan_to_num(rules.confidence / rules.lift)
    return scores, share


def upcross_ranking(scores: np.ndarray, share: np.ndarray, queries: list[np.ndarray],
                    prior: float) -> list[list[int]]:
    """The cart's ranking of mined complements as ``recommend.cart_complements`` makes it:
    the sum of the lines' scores plus ``prior`` times the candidate's share of orders."""
    q = query_matrix(queries, len(share))
    summed = np.asarray(q @ scores)
    candidates = np.asarray(q @ (scores != 0).astype(np.float64)) > 0
    ranked = np.where(candidates, summed + prior * share[None, :], -np.inf)
    return top_of_scores(ranked, queries, positive_only=False)


def tune_upcross(data: Dataset, folds: list[Fold]) -> dict[str, float]:
    """upcross's settings with the best mean NDCG@10 on the validation folds (the same
    folds and criterion as EASE's λ)."""
    from upcross.conf import DEFAULTS

    grid = (UPCROSS_REGULARISATION if data.n_products <= SMALL_CATALOGUE
            else ((DEFAULTS["ITEM_MODEL_L2"], DEFAULTS["ITEM_MODEL_DROPOUT"]),))
    quality: dict[tuple[float, float, float], float] = {}
    for l2, dropout in grid:
        fitted = [upcross_scores(fold.baskets, data.n_products, l2, dropout) for fold in folds]
        for prior in UPCROSS_PRIORS:
            quality[(l2, dropout, prior)] = sum(
                evaluate(upcross_ranking(scores, share, fold.part.queries, prior),
                         fold.part.hidden, data.n_products)["ndcg@10"]
                for fold, (scores, share) in zip(folds, fitted, strict=True))
    l2, dropout, prior = max(quality, key=quality.__getitem__)
    return {"ITEM_MODEL_L2": l2, "ITEM_MODEL_DROPOUT": dropout,
            "CART_POPULARITY_WEIGHT": prior}


# --- upcross through its real path ------------------------------------------------------


def setup_django(directory: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_shop.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/quality.sqlite3"
    os.environ["DEMO_DATA_DIR"] = directory
    os.environ["REDIS_URL"] = ""  # local-memory cache, Celery eager: nothing shared
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Local memory holds 300 keys by default: entries and cards of a catalogue would be
    # culled and rebuilt over and over, which a shop's Redis never does.
    for config in settings.CACHES.values():
        config.setdefault("OPTIONS", {})["MAX_ENTRIES"] = 1_000_000

    call_command("migrate", verbosity=0)


def load_shop(data: Dataset, train: list[int], now: datetime) -> None:
    """Replace the demo shop's catalogue and orders with ``data``'s train baskets."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from demo_shop.catalog.models import Category, Product
    from demo_shop.orders.models import Order, OrderLine
    from upcross.models import MiningRun, ProductRelation

    rng = np.random.default_rng(0)
    user_model = get_user_model()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in (OrderLine, Order, ProductRelation, MiningRun, Product, Category,
                          user_model):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        n_categories = int(data.category.max()) + 1
        Category.objects.bulk_create(
            Category(pk=c + 1, name=f"Category {c}", slug=f"c-{c}") for c in range(n_categories))
        Product.objects.bulk_create(
            (Product(pk=p + 1, category_id=int(data.category[p]) + 1, name=data.names[p][:200],
                     slug=f"p-{p}", sku=f"SKU-{p}", price=Decimal(f"{data.price[p]:.2f}"),
                     stock=100, is_active=True) for p in range(data.n_products)),
            batch_size=2_000)
        customers = sorted({int(c) for c in data.customer[train].tolist() if c >= 0})
        user_model.objects.bulk_create(
            (user_model(pk=c + 1, username=f"c{c}") for c in customers), batch_size=2_000)
        # Spread over the last 300 days (inside the default look-back of 365).
        ages = rng.integers(0, 300 * 86_400, len(train))
        Order.objects.bulk_create(
            (Order(pk=i + 1, customer_id=(int(data.customer[b]) + 1
                                          if data.customer[b] >= 0 else None),
                   status="paid", created_at=now - timedelta(seconds=int(age)))
             for i, (b, age) in enumerate(zip(train, ages.tolist(), strict=True))),
            batch_size=2_000)
        OrderLine.objects.bulk_create(
            (OrderLine(order_id=i + 1, product_id=int(p) + 1, quantity=1,
                       unit_price=Decimal(f"{data.price[p]:.2f}"))
             for i, b in enumerate(train) for p in data.baskets[b].tolist()),
            batch_size=5_000)


def upcross_top(data: Dataset, part: Split, now: datetime,
                tuned: dict[str, float]) -> tuple[list[list[int]], float]:
    from django.conf import settings
    from django.core.cache import caches
    from django.test import override_settings

    from demo_shop.catalog.models import Product
    from upcross import recommend
    from upcross import recompute as recomputing

    load_shop(data, part.train, now)
    for alias in caches:
        caches[alias].clear()
    with override_settings(UPCROSS={**settings.UPCROSS, **tuned}):
        started = time.perf_counter()
        run = recomputing.recompute("all", now=now)
        fit = time.perf_counter() - started
        if run.status != "succeeded":
            raise SystemExit(f"recompute {run.status}: {run.error}")
        products = Product.objects.in_bulk()
        top = []
        for items in part.queries:
            cart = [products[int(p) + 1] for p in items.tolist()]
            found = recommend.cart_complements(cart, limit=TOP)
            top.append([r.product.pk - 1 for r in found])
    return top, fit


# --- the run ------------------------------------------------------------------------------


def run_seed(data: Dataset, seed: int, now: datetime) -> dict[str, dict[str, float]]:
    part = split(data, seed)
    x = matrix([data.baskets[i] for i in part.train], data.n_products)
    results: dict[str, dict[str, float]] = {}

    def timed(name: str, fit: Callable[[], list[list[int]]]) -> None:
        started = time.perf_counter()
        top = fit()
        figures = evaluate(top, part.hidden, data.n_products)
        figures["fit_s"] = time.perf_counter() - started
        results[name] = figures

    timed("popularity", lambda: popularity(x, part.queries))
    timed("rules", lambda: rules(x, part.queries))
    timed("knn", lambda: knn(x, part.queries))
    folds = validation_folds(data, part.train, seed)
    lam = tune_ease(data, folds)
    timed("ease", lambda: ease(x, part.queries, lam))
    results["ease"]["lambda"] = lam
    tuned = tune_upcross(data, folds)
    top, fit = upcross_top(data, part, now, tuned)
    results["upcross"] = {**evaluate(top, part.hidden, data.n_products), "fit_s": fit,
                          "l2": tuned["ITEM_MODEL_L2"], "dropout": tuned["ITEM_MODEL_DROPOUT"],
                          "prior": tuned["CART_POPULARITY_WEIGHT"]}
    results["_queries"] = {"n": float(len(part.queries))}
    return results


def summarise(per_seed: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {}
    for method in METHODS:
        out[method] = {}
        for metric in METRICS:
            values = np.asarray([seed[method][metric] for seed in per_seed])
            out[method][metric] = [round(float(values.mean()), 4),
                                   round(float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                                         4)]
    return out


def print_table(name: str, summary: dict[str, dict[str, list[float]]],
                per_seed: list[dict[str, dict[str, float]]], seeds: list[int]) -> None:
    queries = int(per_seed[0]["_queries"]["n"])
    lambdas = ", ".join(f"{s['ease']['lambda']:g}" for s in per_seed)
    print(f"\n{name}: seeds {seeds}, ~{queries} queries per seed, EASE λ per seed: {lambdas}")
    print(f"{'method':<11}" + "".join(f"{metric:>17}" for metric in METRICS))
    for method in METHODS:
        cells = "".join(f"{m:>10.3f} ± {s:<4.3f}" for m, s in summary[method].values())
        print(f"{method:<11}{cells}")
    print("per seed (hr@4 / hr@10 / ndcg@10), upcross vs ease:")
    for seed, figures in zip(seeds, per_seed, strict=True):
        up, ez = figures["upcross"], figures["ease"]
        print(f"  seed {seed}: upcross {up['hr@4']:.4f} / {up['hr@10']:.4f} / "
              f"{up['ndcg@10']:.4f}   ease {ez['hr@4']:.4f} / {ez['hr@10']:.4f} / "
              f"{ez['ndcg@10']:.4f}")


def upgrade_figures() -> dict | None:
    """``evaluate_upgrades()`` of bench/upgrade_check.py in a child process, if it exists."""
    module = REPO / "bench" / "upgrade_check.py"
    if not module.exists():
        return None
    code = ("import json, sys; sys.path.insert(0, 'bench'); import upgrade_check; "
            "print('UPGRADES ' + json.dumps(upgrade_check.evaluate_upgrades()))")
    env = {key: value for key, value in os.environ.items()
           if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEMO_DATA_DIR")}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                          capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("UPGRADES "):
            return json.loads(line[len("UPGRADES "):])
    return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="seed 0 only, a smaller long-tail set (smoke run)")
    parser.add_argument("--seeds", type=int, nargs="*", default=None)
    parser.add_argument("--datasets", nargs="*", choices=["groceries", "longtail"],
                        default=["groceries", "longtail"])
    parser.add_argument("--skip-upgrades", action="store_true")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  (tables as they come)
    seeds = args.seeds if args.seeds is not None else ([0] if args.quick else [0, 1, 2])
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    report: dict = {"seeds": seeds, "datasets": {}}
    with tempfile.TemporaryDirectory(prefix="upcross-quality-") as directory:
        setup_django(directory)
        for name in args.datasets:
            if name == "groceries":
                data = groceries()
            else:
                data = longtail(2_000, 5_000) if args.quick else longtail()
            per_seed = [run_seed(data, seed, now) for seed in seeds]
            summary = summarise(per_seed)
            print_table(name, summary, per_seed, seeds)
            wins = all(seed["upcross"][m] >= seed["ease"][m]
                       for seed in per_seed for m in ("hr@4", "hr@10", "ndcg@10"))
            report["datasets"][name] = {
                "products": data.n_products, "baskets": len(data.baskets),
                "summary": summary, "upcross_ge_ease_every_seed": wins,
                "per_seed": [{m: {k: round(v, 4) for k, v in s[m].items()}
                              for m in METHODS} for s in per_seed],
            }
    if not args.skip_upgrades:
        upgrades = upgrade_figures()
        if upgrades is not None:
            report["upgrades"] = upgrades
            print(f"\nupgrade check (demo labelled truth): {upgrades}")
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
