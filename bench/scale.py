"""Batch rescoring over 1, 2 and 4 worker processes, against COPY of the same decision rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/scale.py --leads 1000000

Loads the demo when the database has fewer leads than asked and makes sure a model is live. Then, for each
worker count, splits the leads into that many id ranges and starts one process per range; each rescores its
range in 2,000-lead chunks (no roll-up per chunk) and the account roll-up runs once after the last worker.
A worker only ever holds one chunk, so its memory does not grow with the book. The COPY baseline copies the
last pass's decision rows back into the same table (same FKs and indexes, commit included) and deletes them.
Prints progress, then ONE JSON object last: leads_per_s_by_workers, ratio_to_copy (the best worker count's
rate over COPY's), copy_rows_per_s, peak_rss_mb (the largest worker's peak resident set), db.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
CHUNK = 2000


def worker(first: int, last: int) -> None:
    """Rescore leads with first <= id <= last, one chunk at a time."""
    import django

    django.setup()
    from leadscoring.models import Lead
    from scoring import services

    start = first
    while start <= last:
        ids = list(
            Lead.objects.filter(id__gte=start, id__lte=last)
            .order_by("id")
            .values_list("id", flat=True)[:CHUNK]
        )
        if not ids:
            break
        services.leads_rescore(lead_ids=ids, trigger="batch", rollup_accounts=False)
        start = ids[-1] + 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return

    import django

    django.setup()
    from django.db import connection, transaction

    from leadscoring.demo.loader import demo_load
    from leadscoring.models import Lead
    from scoring import selectors, services
    from scoring.models import ScoreSnapshot

    if Lead.objects.count() < args.leads:
        demo_load(leads=args.leads, seed=0, flush=True)
    program = selectors.program_default()
    services.model_bootstrap(program=program)
    ids = list(Lead.objects.order_by("id").values_list("id", flat=True)[: args.leads])
    connection.close()  # the workers open their own

    rates, passes = {}, []
    for count in [int(n) for n in args.workers.split(",")]:
        size = -(-len(ids) // count)
        ranges = [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]
        before = ScoreSnapshot.objects.count()
        started = time.perf_counter()
        procs = [
            subprocess.Popen([sys.executable, __file__, "--worker", str(lo), str(hi)], cwd=ROOT)
            for lo, hi in ranges
        ]
        codes = [p.wait() for p in procs]
        services.accounts_rollup(program=program)
        seconds = time.perf_counter() - started
        written = ScoreSnapshot.objects.count() - before
        rates[str(count)] = round(len(ids) / seconds, 1)
        passes.append(written)
        print(f"{count} workers: {len(ids)} leads in {seconds:.1f} s, exit codes {codes}", flush=True)

    copy_rows_per_s = None
    if connection.vendor == "postgresql" and passes and passes[-1]:
        columns = ", ".join(f.column for f in ScoreSnapshot._meta.concrete_fields if f.column != "id")
        last = ScoreSnapshot.objects.order_by("-id").values_list("id", flat=True)[passes[-1] - 1]
        buffer = io.BytesIO()
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY (SELECT {columns} FROM scoring_scoresnapshot WHERE id >= {last}) TO STDOUT"
            ) as copy,
        ):
            for chunk in copy:
                buffer.write(chunk)
        top = ScoreSnapshot.objects.order_by("-id").values_list("id", flat=True).first()
        started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY scoring_scoresnapshot ({columns}) FROM STDIN") as copy,
        ):
            copy.write(buffer.getvalue())
        copy_rows_per_s = passes[-1] / (time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM scoring_scoresnapshot WHERE id > %s", [top])

    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    best = max(rates.values()) if rates else None
    print(
        json.dumps(
            {
                "db": connection.vendor,
                "leads": len(ids),
                "leads_per_s_by_workers": rates,
                "copy_rows_per_s": round(copy_rows_per_s, 1) if copy_rows_per_s else None,
                "ratio_to_copy": round(best / copy_rows_per_s, 3) if best and copy_rows_per_s else None,
                "peak_rss_mb": round(peak_kb / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
