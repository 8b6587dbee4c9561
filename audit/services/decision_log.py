"""The decision log's hash chain: sealing new decisions into it, and verifying it end to end.

Writers never wait on the chain. Each decision gets its content digest when it is written
(scoring.services.chain.decision_digest, in the same COPY); the sealer then appends one `DecisionLink`
per decision, per program, in the order it finds them committed, each hashing the previous link. Two
workers scoring in parallel commit independently; a decision whose id is lower than one already sealed
(its transaction committed later) simply gets a later position. One sealer runs per program at a time
(a transaction-scoped advisory lock on PostgreSQL), and the sealer only reads.

`decision_log_verify` recomputes every sealed decision's digest from its columns and every link from
the one before, and reports the first broken link per program: a decision altered or deleted behind
the trigger's back, a link edited, or a chain with a gap. A change an erasure made (the one sanctioned
exception) passes only through its `DecisionRedaction` row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from scoring.models import ScoreSnapshot, ScoringProgram
from scoring.services.chain import decision_digest, json_text_as_written, link_digest
from scoring.services.decisions import DIGEST_COLUMNS, JSON_COLUMNS

from ..models import ChainAnchor, DecisionLink, DecisionRedaction

GENESIS = "0" * 64
SEAL_BATCH = 5000
# A decision whose transaction stays open longer than this after taking its id is sealed only by a full
# pass (`verify_decision_log --seal`); the periodic sealer looks at ids above what was settled before.
SETTLE = timedelta(hours=1)
LOCK_KEY = 0x5EA1  # pg_advisory_xact_lock(LOCK_KEY, program_id)


def _settled_through(program_id: int, *, full: bool) -> int:
    if full:
        return 0
    cutoff = timezone.now() - SETTLE
    settled = (
        DecisionLink.objects.filter(program_id=program_id, sealed_at__lt=cutoff)
        .order_by("-position")
        .values_list("snapshot_id", flat=True)
        .first()
    )
    # Every decision committed before the newest link sealed over an hour ago was sealed by one of the
    # runs since (each looked above an older floor), so only ids above it can still be unsealed.
    return 0 if settled is None else settled


def program_seal(*, program_id: int, full: bool = False) -> int:
    """Append links for a program's unsealed decisions; returns how many were sealed."""
    sealed = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_KEY, program_id])
        head = DecisionLink.objects.filter(program_id=program_id).order_by("-position").first()
        previous, position = (head.link_sha256, head.position) if head else (GENESIS, 0)
        after = _settled_through(program_id, full=full)
        while True:
            batch = list(
                ScoreSnapshot.objects.filter(program_id=program_id, id__gt=after)
                .filter(~Exists(DecisionLink.objects.filter(snapshot_id=OuterRef("pk"))))
                .order_by("id")
                .values_list("id", "content_sha256")[:SEAL_BATCH]
            )
            if not batch:
                break
            # Only rows written before digests existed need their columns read (and digested) here.
            undigested = {
                row[0]: decision_digest(dict(zip(DIGEST_COLUMNS, row[1:], strict=True)))
                for row in ScoreSnapshot.objects.filter(pk__in=[i for i, c in batch if not c]).values_list(
                    "id", *DIGEST_COLUMNS
                )
            }
            links = []
            for snapshot_id, content in batch:
                content = content or undigested[snapshot_id]
                position += 1
                previous = link_digest(previous=previous, snapshot_id=snapshot_id, content_sha256=content)
                links.append(
                    DecisionLink(
                        snapshot_id=snapshot_id,
                        program_id=program_id,
                        position=position,
                        content_sha256=content,
                        link_sha256=previous,
                    )
                )
            DecisionLink.objects.bulk_create(links, batch_size=1000)
            sealed += len(links)
            after = batch[-1][0]
    return sealed


def decision_log_seal(*, full: bool = False) -> int:
    """Seal every program's new decisions (the periodic task and verify's --seal)."""
    return sum(
        program_seal(program_id=pk, full=full) for pk in ScoringProgram.objects.values_list("pk", flat=True)
    )


@dataclass
class ChainReport:
    program_id: int
    program: str
    links: int = 0
    redacted: int = 0
    unsealed: int = 0
    head: str = ""
    broken: dict | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class VerifyReport:
    programs: list[ChainReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.broken is None for p in self.programs)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "programs": [p.as_dict() for p in self.programs]}


def _broken(link: DecisionLink, what: str) -> dict:
    return {"position": link.position, "decision_id": link.snapshot_id, "problem": what}


def program_verify(*, program: ScoringProgram, chunk: int = 2000) -> ChainReport:
    report = ChainReport(program_id=program.pk, program=program.name)
    redactions = {
        (r.snapshot_id, r.content_before): r.content_after
        for r in DecisionRedaction.objects.filter(
            snapshot_id__in=ScoreSnapshot.objects.filter(program=program).values("pk")
        )
    }
    anchor = ChainAnchor.objects.filter(program_id=program.pk).first()
    previous, expected_position = (
        (anchor.link_sha256, anchor.through_position + 1) if anchor else (GENESIS, 1)
    )
    links = DecisionLink.objects.filter(program_id=program.pk).order_by("position")
    buffer: list[DecisionLink] = []

    def check(batch: list[DecisionLink]) -> dict | None:
        nonlocal previous, expected_position
        rows = {
            row[0]: row[1:]
            for row in ScoreSnapshot.objects.filter(pk__in=[link.snapshot_id for link in batch]).values_list(
                "id", "content_sha256", *DIGEST_COLUMNS
            )
        }
        for link in batch:
            if link.position != expected_position:
                return _broken(link, f"a gap in the chain: position {expected_position} is missing")
            expected_position += 1
            if link_digest(
                previous=previous, snapshot_id=link.snapshot_id, content_sha256=link.content_sha256
            ) != (link.link_sha256):
                return _broken(link, "the link does not hash the link before it (a link was edited)")
            previous = report.head = link.link_sha256
            row = rows.get(link.snapshot_id)
            if row is None:
                return _broken(link, "the decision was deleted")
            stored, *values = row
            fields = dict(zip(DIGEST_COLUMNS, values, strict=True))
            actual = decision_digest(fields)
            if actual == link.content_sha256:
                continue
            # A float of 1e16 or more comes back from JSONB spelled as an int: digest it as written.
            texts = {c: json_text_as_written(fields[c]) for c in JSON_COLUMNS if c in fields}
            actual = decision_digest(fields, texts=texts)
            if actual == link.content_sha256:
                continue
            if redactions.get((link.snapshot_id, link.content_sha256)) == actual == stored:
                report.redacted += 1
                continue
            return _broken(link, "the decision's content differs from what was sealed (it was altered)")
        return None

    for link in links.iterator(chunk_size=chunk):
        report.links += 1
        buffer.append(link)
        if len(buffer) >= chunk:
            report.broken = check(buffer)
            buffer = []
            if report.broken:
                break
    if buffer and report.broken is None:
        report.broken = check(buffer)
    report.unsealed = (
        ScoreSnapshot.objects.filter(program=program)
        .filter(~Exists(DecisionLink.objects.filter(snapshot_id=OuterRef("pk"))))
        .count()
    )
    return report


def decision_log_verify(*, seal: bool = True) -> VerifyReport:
    """Seal what is new (unless told not to), then verify every program's chain from its first link."""
    if seal:
        decision_log_seal()
    return VerifyReport(programs=[program_verify(program=p) for p in ScoringProgram.objects.order_by("pk")])
