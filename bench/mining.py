"""Benchmark of the recompute job, end to end, on the demo shop's models.

    .venv/bin/python bench/mining.py --orders 1000000            # 1M orders, 20k products
    .venv/bin/python bench/mining.py --orders 100000 --compare-mlxtend

Steps: (1) in a child process, generate synthetic orders with planted structure
(``upcross.mining.synthetic``) and bulk-load them with ``COPY`` into the
database of ``DATABASE_URL`` (default: PostgreSQL database ``upcross_bench``,
created if missing; its shop tables are truncated first). (2) In this process,
run ``recomputing.recompute`` (load through the adapter, mine, atomic write) and
print ONE JSON line. Peak RSS is this process's, so data generation is not in it.

``--compare-mlxtend`` then mines the same baskets with mlxtend's ``fpgrowth`` +
``association_rules`` (``max_len=2``), checks that every pair statistic is
identical, and adds the ratio of mining times to the JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/upcross_bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--kind", choices=["complements", "upgrades", "all"], default="all")
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the data of a previous run with the same size and seed")
    parser.add_argument("--compare-mlxtend", action="store_true")
    parser.add_argument("--compare-floor", action="store_true",
                        help="also time a plain COPY of the same (order, product) lines and "
                             "an in-memory pair count, before and after the recompute")
    parser.add_argument("--celery", type=int, default=0, metavar="N",
                        help="run the recompute task on a real Celery worker of N processes "
                             "(prefork; Redis broker and result backend from REDIS_URL)")
    parser.add_argument("--check-sample", type=int, default=0, metavar="K",
                        help="with --celery: then recompute in this process (one range) and "
                             "compare the rows of K random source products")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_shop.settings"
    os.environ.setdefault("DEMO_DATA_DIR", "/tmp/upcross-bench")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


# --- data -------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    name = name.split("?")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(args: argparse.Namespace) -> None:
    """Create the schema and (unless reusable) load generated orders with COPY."""
    ensure_database(os.environ.get("DATABASE_URL", DEFAULT_URL))
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    if "bench" not in str(connection.settings_dict["NAME"]):
        sys.exit("refusing to truncate a database whose name does not contain 'bench'")
    call_command("migrate", verbosity=0)
    marker = f"{args.orders}:{args.products}:{args.seed}"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (spec text)")
        cursor.execute("SELECT spec FROM bench_marker")
        row = cursor.fetchone()
    if args.reuse and row and row[0] == marker:
        return
    load_synthetic(args)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_marker")
        cursor.execute("INSERT INTO bench_marker VALUES (%s)", [marker])


def load_synthetic(args: argparse.Namespace) -> None:
    import contextlib

    import numpy as np
    from django.db import DatabaseError, connection, transaction

    from upcross.mining.synthetic import generate

    now = int(time.time())
    data = generate(args.orders, args.products, n_customers=max(args.orders // 5, 10),
                    category_size=100, now=now, seed=args.seed)
    n_orders = data.n_orders
    starts = np.flatnonzero(np.r_[True, data.order[1:] != data.order[:-1]])
    order_customer = data.customer[starts]
    order_time = np.datetime_as_string(data.time[starts].astype("datetime64[s]")).tolist()
    tables = ["orders_orderline", "orders_order", "catalog_product", "catalog_category",
              "upcross_productrelation", "upcross_miningrun", "auth_user"]
    stamp = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(now))
    if connection.vendor != "postgresql":
        sys.exit("the bench loads data with COPY: point DATABASE_URL at PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        # The generated rows are consistent: skip the foreign-key triggers while loading
        # (one deferred check per line otherwise; hours at 10M orders). Superuser only.
        with contextlib.suppress(DatabaseError), transaction.atomic():
            cursor.execute("SET session_replication_role = replica")
        raw = cursor.cursor
        n_categories = int(data.category.max()) + 1
        copy_rows(raw, "catalog_category (id, name, slug, position)",
                  (f"{c + 1}\tCategory {c}\tcat-{c}\t{c % 100}\n" for c in range(n_categories)))
        copy_rows(raw, "catalog_product (id, category_id, name, slug, sku, description, price, "
                  "stock, is_active, image, color, created_at)",
                  (f"{p + 1}\t{c + 1}\tProduct {p}\tp-{p}\tSKU-{p}\t\t{price:.2f}\t100\tt\t\t"
                   f"#5b7db1\t{stamp}\n"
                   for p, (c, price) in enumerate(zip(data.category.tolist(),
                                                      data.price.tolist(), strict=True))))
        n_customers = int(data.customer.max()) + 1
        copy_rows(raw, "auth_user (id, password, is_superuser, username, first_name, "
                  "last_name, email, is_staff, is_active, date_joined)",
                  (f"{u + 1}\t!\tf\tbench-{u}\t\t\t\tf\tt\t{stamp}\n"
                   for u in range(n_customers)))
        copy_rows(raw, "orders_order (id, customer_id, email, status, total, discount, "
                  "created_at)",
                  (f"{o + 1}\t{c + 1 if c >= 0 else chr(92) + 'N'}\t\tpaid\t0\t0\t{t}+00\n"
                   for o, (c, t) in enumerate(zip(order_customer.tolist(), order_time,
                                                  strict=True))))
        prices = data.price
        copy_rows(raw, "orders_orderline (id, order_id, product_id, quantity, unit_price)",
                  (f"{i + 1}\t{o + 1}\t{p + 1}\t1\t{prices[p]:.2f}\n"
                   for i, (o, p) in enumerate(zip(data.order.tolist(), data.product.tolist(),
                                                  strict=True))))
        for table in ("catalog_category", "catalog_product", "auth_user", "orders_order",
                      "orders_orderline"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT MAX(id) FROM {table}))")
        cursor.execute("RESET session_replication_role")
        cursor.execute("ANALYZE")
    print(f"loaded {n_orders} orders, {len(data.order)} lines", file=sys.stderr)


def copy_rows(raw, target: str, rows, batch: int = 200_000) -> None:  # type: ignore[no-untyped-def]
    with raw.copy(f"COPY {target} FROM STDIN") as copy:
        buffer: list[str] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= batch:
                copy.write("".join(buffer))
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))


# --- measure ----------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> dict:
    setup_django()
    from django.db import connection

    from upcross import recompute as recomputing
    from upcross.adapters import get_adapter
    from upcross.models import ProductRelation

    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    server_cpu, client_cpu = backend_cpu(backend), time.process_time()
    started = time.perf_counter()
    run = recomputing.recompute(args.kind, args.partitions)
    total = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    server_cpu = backend_cpu(backend) - server_cpu if server_cpu is not None else None
    if run.status != "succeeded":
        sys.exit(f"recompute {run.status}: {run.error}")
    timings = run.parameters["timings"]
    # Per kind: the load (and counting) is shared, mining and writing are not; write_s
    # also holds what no kind owns (rows prepared, fallback picks, the commit).
    split = {name: {"mine_s": round(timings.get(f"mine_{name}_s", 0.0), 2),
                    "write_s": round(timings.get(f"write_{name}_s", 0.0), 2)}
             for name in ("complements", "upgrades") if f"mine_{name}_s" in timings}
    return {
        "orders": run.orders_scanned,
        "lines": run.lines_scanned,
        "products": get_adapter().product_model()._default_manager.count(),
        "load_s": round(timings["load_s"], 2),
        "mine_s": round(timings["count_s"] + timings["mine_s"], 2),
        "write_s": round(timings["write_s"], 2),
        "total_s": round(total, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "relations": ProductRelation.objects.filter(origin="mined").count(),
        "count_s": round(timings["count_s"], 2),
        # CPU seconds of this process and of its database backend (when the database runs
        # on this machine): what the run costs, whatever else shares the cores.
        "client_cpu_s": round(client_cpu, 2),
        "server_cpu_s": round(server_cpu, 2) if server_cpu is not None else None,
        "per_kind": split,
        "kind": args.kind,
        "partitions": args.partitions,
        "database": connection.vendor,
    }


def backend_cpu(pid: int) -> float | None:
    """CPU seconds used so far by the PostgreSQL backend ``pid`` (``None``: not on this host)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_celery(args: argparse.Namespace) -> dict:
    """Send the ``upcross.recompute`` task to a real worker pool started here; time it and
    sample the resident memory of every worker process until the run is finished."""
    import threading

    import psutil

    setup_django()
    from django.db import connection

    from demo_shop.celery import app
    from upcross.models import MiningRun, ProductRelation
    from upcross.tasks import recompute

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        sys.exit("--celery needs REDIS_URL (the broker and the result backend)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "demo_shop.settings",
           "CELERY_RESULT_BACKEND": redis_url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "demo_shop", "worker", "--pool", "prefork",
         "--concurrency", str(args.celery), "--loglevel", "warning", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "--hostname", f"bench-{os.getpid()}@%h"],
        cwd=REPO, env=env)
    peak: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(worker.pid)
        while not done.is_set():
            try:
                for proc in [root, *root.children(recursive=True)]:
                    rss = proc.memory_info().rss / 2**20
                    peak[proc.pid] = max(peak.get(proc.pid, 0.0), rss)
            except psutil.Error:
                pass
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        for _ in range(120):
            if app.control.ping(timeout=1.0):
                break
        else:
            sys.exit("the Celery worker did not answer")
        before = MiningRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.perf_counter()
        recompute.delay(kind=args.kind, partitions=args.partitions)
        while True:
            run = MiningRun.objects.filter(pk__gt=before).order_by("pk").first()
            if run is not None and run.status not in ("running",):
                break
            time.sleep(0.2)
        total = time.perf_counter() - started
    finally:
        done.set()
        worker.terminate()
        worker.wait(timeout=60)
    if run.status != "succeeded":
        sys.exit(f"recompute {run.status}: {run.error}")
    timings = run.parameters.get("timings", {})
    return {
        "orders": run.orders_scanned,
        "lines": run.lines_scanned,
        "mine_s": round(timings.get("mine_s", 0.0), 2),
        "write_s": round(timings.get("write_s", 0.0), 2),
        "total_s": round(total, 2),
        "worker_peak_rss_mb": round(max(peak.values(), default=0.0), 1),
        "worker_processes": len(peak),
        "relations": ProductRelation.objects.filter(origin="mined").count(),
        "kind": args.kind,
        "partitions": args.partitions,
        "celery_workers": args.celery,
        "database": connection.vendor,
        "run_now": run.parameters["now"],
    }


def sample_rows(sources: list) -> list[tuple]:  # type: ignore[type-arg]
    from upcross.models import ProductRelation

    return sorted(ProductRelation.objects.filter(source__in=sources).values_list(
        "source_id", "target_id", "kind", "origin", "status", "pair_count", "support",
        "confidence", "lift", "score"))


def check_sample(args: argparse.Namespace, now: float) -> dict:
    """Rows of ``K`` random sources after the partitioned run, then after one process
    recomputing at the same ``now`` (the same look-back window)."""
    import random
    from datetime import UTC, datetime

    from upcross import recompute as recomputing
    from upcross.models import ProductRelation

    sources = sorted(set(ProductRelation.objects.filter(origin="mined")
                         .values_list("source_id", flat=True)))
    sources = random.Random(args.seed).sample(sources, min(args.check_sample, len(sources)))
    partitioned = sample_rows(sources)
    started = time.perf_counter()
    run = recomputing.recompute(args.kind, 1, now=datetime.fromtimestamp(now, tz=UTC))
    one_process_s = time.perf_counter() - started
    if run.status != "succeeded":
        sys.exit(f"one-process recompute {run.status}: {run.error}")
    single = sample_rows(sources)
    return {
        "sample_sources": len(sources),
        "sample_rows": len(single),
        "sample_identical": partitioned == single,
        "one_process_total_s": round(one_process_s, 2),
        "one_process_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def floor_once() -> dict:
    """A plain ``COPY`` of the (order, product) keys of the same lines, one message per
    line as any client reads it, then every pair counted in memory (scipy)."""
    import numpy as np
    from django.db import connection

    from upcross import loading
    from upcross.counting import MiningParameters

    parameters = MiningParameters.from_settings()
    paths = loading.get_adapter().order_line_paths()
    queryset = loading.order_lines(since=parameters.since).order_by()
    sql, params = queryset.values_list(paths["order"], paths["product"]).query.sql_with_params()
    started = time.perf_counter()
    connection.ensure_connection()
    chunks: list[bytes] = []
    with connection.cursor() as cursor:
        statement = connection.ops.compose_sql(
            f"SELECT t.o::bigint, t.p::bigint FROM ({sql}) AS t(o, p)", params)
        with cursor.cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT BINARY)") as copy:
            for data in copy:
                chunks.append(bytes(data))
    raw = b"".join(chunks)
    del chunks
    row = np.dtype([("n", ">i2"), ("l0", ">i4"), ("o", ">i8"), ("l1", ">i4"), ("p", ">i8")])
    rows = np.frombuffer(raw, row, count=(len(raw) - 19 - 2) // row.itemsize, offset=19)
    order, product = rows["o"].astype(np.int64), rows["p"].astype(np.int64)
    del raw, rows
    extracted = time.perf_counter()
    pairs = floor_pair_count(order, product)
    counted = time.perf_counter()
    return {"lines": len(order), "pairs": len(pairs[0]), "extract_s": extracted - started,
            "count_s": counted - extracted}


def floor_pair_count(order, product):  # type: ignore[no-untyped-def]
    """Every pair of products bought in one order, counted: the textbook way, the upper
    triangle of X.T @ X for the 0/1 order-by-product matrix X (scipy's sparse product).

    It is the fastest plain count we know (1.7 s at 1M orders where a sort-and-unique of
    every basket's pairs took 4.7 s), so the floor is no easier to beat than it must be.
    """
    import numpy as np
    from scipy import sparse

    ids, code = np.unique(product, return_inverse=True)
    baskets, row = np.unique(order, return_inverse=True)
    matrix = sparse.csr_matrix((np.ones(len(code), np.int32), (row, code)),
                               shape=(len(baskets), len(ids)))
    matrix.data[:] = 1  # an order's repeated lines of one product count once
    together = sparse.triu(matrix.T @ matrix, k=1).tocoo()
    return together.row.astype(np.int64) * len(ids) + together.col, together.data


def compare_floor(result: dict, before: dict, after: dict) -> dict:
    """The floor (mean of the runs before and after the recompute) and the ratio."""
    def mean(key: str) -> float:
        return (before[key] + after[key]) / 2

    floor = mean("extract_s") + mean("count_s")
    return {
        "floor_lines": after["lines"],
        "floor_pairs": after["pairs"],
        "floor_extract_s": round(mean("extract_s"), 2),
        "floor_count_s": round(mean("count_s"), 2),
        "floor_s": round(floor, 2),
        "floor_runs_s": [round(r["extract_s"] + r["count_s"], 2) for r in (before, after)],
        "floor_ratio": round(result["total_s"] / floor, 2),
    }


def compare_mlxtend(min_pair_count: int) -> dict:
    """Mine the same baskets with upcross and with mlxtend; compare times and statistics."""
    import math

    import numpy as np
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    from scipy import sparse

    from upcross import counting, loading
    from upcross.mining import RuleParams, build_baskets, complement_rules, count_baskets

    parameters = counting.MiningParameters.from_settings()
    lines = loading.load_lines(since=parameters.since)

    started = time.perf_counter()
    baskets = build_baskets(lines.order, lines.product)
    counts = count_baskets(baskets)
    ours = complement_rules(counts, RuleParams(min_pair_count=min_pair_count))
    upcross_s = time.perf_counter() - started

    matrix = sparse.csr_matrix(
        (np.ones(len(baskets.order), dtype=bool), (baskets.order, baskets.product)),
        shape=(baskets.n_orders, len(baskets.product_ids)),
    )
    frame = pd.DataFrame.sparse.from_spmatrix(matrix, columns=list(range(matrix.shape[1])))
    n = baskets.n_orders
    started = time.perf_counter()
    frequent = fpgrowth(frame, min_support=min_pair_count / n, use_colnames=True, max_len=2)
    rules = association_rules(frequent, num_itemsets=n, metric="confidence", min_threshold=0.0)
    mlxtend_s = time.perf_counter() - started

    theirs = {}
    for a, c, s, conf, lift in zip(rules["antecedents"], rules["consequents"], rules["support"],
                                   rules["confidence"], rules["lift"], strict=True):
        theirs[(next(iter(a)), next(iter(c)))] = (round(s * n), s, conf, lift)
    mine = {
        (int(s), int(t)): (int(k), sup, conf, lift)
        for s, t, k, sup, conf, lift in zip(ours.source, ours.target, ours.pair_count,
                                            ours.support, ours.confidence, ours.lift,
                                            strict=True)
    }
    identical = mine.keys() == theirs.keys() and all(
        mine[key][0] == theirs[key][0]
        and all(math.isclose(x, y, rel_tol=1e-9)
                for x, y in zip(mine[key][1:], theirs[key][1:], strict=True))
        for key in mine
    )
    return {
        "compare_rules": len(mine),
        "upcross_mine_s": round(upcross_s, 3),
        "mlxtend_mine_s": round(mlxtend_s, 2),
        "mlxtend_ratio": round(mlxtend_s / upcross_s, 1),
        "identical_pair_statistics": identical,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.prepare_only:
        prepare(args)
        return
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    child = [sys.executable, __file__, "--prepare-only", "--orders", str(args.orders),
             "--products", str(args.products), "--seed", str(args.seed)]
    if args.reuse:
        child.append("--reuse")
    subprocess.run(child, check=True)
    load_before = os.getloadavg()[0]
    if args.compare_floor:
        setup_django()
        before = floor_once()
    if args.celery:
        result = measure_celery(args)
        if args.check_sample:
            result.update(check_sample(args, result["run_now"]))
    else:
        result = measure(args)
    if args.compare_floor:
        result.update(compare_floor(result, before, floor_once()))
    result["loadavg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    if args.compare_mlxtend:
        from upcross.conf import upcross_settings

        result.update(compare_mlxtend(upcross_settings.MIN_PAIR_COUNT))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
