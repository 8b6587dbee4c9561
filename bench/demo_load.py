"""Load the demo and print what it cost: bench/demo_load.py --leads 100000 [--seed S] [--flush].

Uses DATABASE_URL when set (it is migrated first); otherwise a throwaway SQLite file under /tmp.
The last line printed is one JSON object: leads, events, rows, seconds, rows_per_s, peak_mb, ...
peak_mb is the process's peak resident set (getrusage), Django and the migrations included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--flush", action="store_true", help="replace demo data already in the database")
    args = parser.parse_args()

    scratch = None
    if not os.environ.get("DATABASE_URL"):
        scratch = Path(tempfile.mkdtemp(prefix="demo_bench_")) / "demo.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from leadscoring.demo.loader import demo_load

    call_command("migrate", verbosity=0)
    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def progress(stats) -> None:
        print(
            f"{stats.leads:>9,} leads {stats.events:>11,} events {stats.rows_per_s:>9,.0f} rows/s", flush=True
        )

    started = time.perf_counter()
    stats = demo_load(leads=args.leads, seed=args.seed, flush=args.flush, on_block=progress)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "database": connection.vendor,
        "leads": stats.leads,
        "accounts": stats.accounts,
        "events": stats.events,
        "deals": stats.deals,
        "rows": stats.rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(stats.rows / seconds),
        "leads_per_s": round(stats.leads / seconds),
        "peak_mb": round(peak_mb, 1),
        "rss_before_load_mb": round(rss_before_mb, 1),
        "seed": args.seed,
    }
    if scratch is not None:
        for path in scratch.parent.glob("demo.sqlite3*"):
            path.unlink()
        scratch.parent.rmdir()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
