"""Compliance timings on PostgreSQL: reconstruct one past decision, export and erase one person, stream a
million decisions to CSV (with the process's peak memory while streaming), and seal them into the chain.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/audit.py --decisions 1000000

Loads the demo (--leads) and a first live model when the database has none, then tops the decision log up
to --decisions rows with copies of real decisions spread over the past year (one INSERT ... SELECT; their
digests are the template's, so run verify_decision_log on a bench database only to time it). Prints one
JSON object as its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def _timed(work, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--seal", action="store_true", help="also time sealing the topped-up decisions")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from audit.services.decision_log import decision_log_seal
    from audit.services.erasure import person_erase
    from audit.services.exports import export_stream
    from audit.services.person_export import person_export_json, person_export_zip
    from audit.services.reconstruction import decision_reconstruct
    from leadscoring.demo.loader import demo_load
    from leadscoring.models import Lead
    from scoring import selectors, services
    from scoring.models import ScoreSnapshot

    if connection.vendor != "postgresql":
        sys.exit("bench/audit.py measures PostgreSQL: set DATABASE_URL")
    if Lead.objects.count() < args.leads:
        demo_load(leads=args.leads, seed=0, flush=True)
    program = selectors.program_default()
    services.model_bootstrap(program=program)
    model = selectors.model_live(program=program)
    if not ScoreSnapshot.objects.filter(model=model).exists():
        services.leads_rescore(lead_ids=list(Lead.objects.values_list("id", flat=True)), trigger="batch")

    # A past decision, reconstructed (the artifact is read and hashed afresh every time).
    decision = ScoreSnapshot.objects.filter(model=model).exclude(inputs={}).order_by("id").first()
    lead = decision.lead
    reconstruct_s, body = _timed(
        lambda: decision_reconstruct(
            lead=lead, program=program, at=decision.created_at + timedelta(seconds=1)
        ),
        repeat=5,
    )

    missing = args.decisions - ScoreSnapshot.objects.filter(program=program).count()
    if missing > 0:
        columns = [
            f.column
            for f in ScoreSnapshot._meta.concrete_fields
            if f.column not in ("id", "lead_id", "created_at")
        ]
        names = ", ".join(columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO scoring_scoresnapshot (lead_id, created_at, {names})
                SELECT ids.a[1 + g %% array_length(ids.a, 1)],
                       now() - (g %% 365) * interval '1 day' - (g %% 86400) * interval '1 second', {names}
                FROM generate_series(1, %s) AS g,
                     (SELECT * FROM scoring_scoresnapshot WHERE id = %s) AS t,
                     (SELECT array_agg(id ORDER BY id) AS a FROM leadscoring_lead) AS ids""",
                [missing, decision.pk],
            )

    person = Lead.objects.filter(erased_at__isnull=True).exclude(pk=lead.pk).order_by("id").first()
    export_json_s, payload = _timed(lambda: person_export_json(lead=person), repeat=3)
    export_zip_s, archive = _timed(lambda: person_export_zip(lead=person), repeat=3)
    erase_s, erased = _timed(lambda: person_erase(lead=person, reason="bench"))

    # A million decisions streamed: the process's resident-set peak is reset, then read after.
    total = ScoreSnapshot.objects.filter(program=program).count()
    Path("/proc/self/clear_refs").write_text("5")
    rss_before = _rss_kb("VmRSS:")
    started = time.perf_counter()
    size = rows = 0
    for chunk in export_stream(
        kind="decisions",
        fmt="csv",
        program=program,
        start=date.today() - timedelta(days=400),
        end=date.today(),
    ):
        size += len(chunk)
        rows += chunk.count(b"\n")
    stream_s = time.perf_counter() - started
    peak_kb = _rss_kb("VmHWM:")

    seal_s = None
    if args.seal:
        seal_s, sealed = _timed(lambda: decision_log_seal(full=True))

    print(
        json.dumps(
            {
                "database": "postgresql",
                "leads": Lead.objects.count(),
                "decisions": total,
                "reconstruct_one_decision_s": round(reconstruct_s, 4),
                "reconstruct_matches": body["matches"],
                "export_person_json_s": round(export_json_s, 4),
                "export_person_json_bytes": len(payload),
                "export_person_zip_s": round(export_zip_s, 4),
                "erase_person_s": round(erase_s, 4),
                "erase_wiped": erased.wiped,
                "stream_decisions_csv_s": round(stream_s, 2),
                "stream_decisions_csv_rows": rows - 1,
                "stream_decisions_rows_per_s": round((rows - 1) / stream_s),
                "stream_decisions_csv_mb": round(size / 2**20, 1),
                "stream_rss_before_mb": round(rss_before / 1024, 1),
                "stream_peak_rss_mb": round(peak_kb / 1024, 1),
                "seal_s": None if seal_s is None else round(seal_s, 2),
                "measured_at": timezone.now().isoformat(timespec="seconds"),
            }
        )
    )


if __name__ == "__main__":
    main()
