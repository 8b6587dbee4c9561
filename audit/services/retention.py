"""Retention: each kind of record kept only as long as its policy says, with a dry run first.

- events: activity events that occurred before the cut-off are deleted (or, with "anonymise", keep their
  kind and date but lose URL query strings and properties);
- decisions: the program's oldest decisions, in chain order, as long as every one of them is past the
  cut-off (a prefix of the chain, so verify can start after it: ChainAnchor); their links stay, as hashes;
- history: change-history rows of leads, accounts, events and deals dated before the cut-off, except
  each record's latest row (the current state stays reconstructible);
- access logs: personal-data access rows older than the cut-off.

The dry run counts exactly what the run would remove, with the same queries.
"""

from __future__ import annotations

from datetime import timedelta

import pgtrigger
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from leadscoring.erasure import url_kept
from leadscoring.models import Account, ActivityEvent, Deal, Lead
from scoring.models import DECISION_LOG_TRIGGER, ScoreSnapshot, ScoringProgram

from ..models import ChainAnchor, DecisionLink, PersonalDataAccess, RetentionPolicy, RetentionRun
from .decision_log import program_seal

CRM_HISTORY = (Lead, Account, ActivityEvent, Deal)


def _events(cutoff, *, action: str, dry_run: bool) -> int:
    old = ActivityEvent.objects.filter(occurred_at__lt=cutoff)
    if action == RetentionPolicy.Action.ANONYMISE:
        old = old.exclude(properties={}, url="")
        if dry_run:
            return old.count()
        rows = list(old.only("pk", "url"))
        for event in rows:
            event.url, event.properties = url_kept(event.url), {}
        ActivityEvent.objects.bulk_update(rows, ["url", "properties"], batch_size=1000)
        return len(rows)
    if dry_run:
        return old.count()
    count = old.count()
    old._raw_delete(old.db)  # events have no dependents; the ORM's collector would load each row
    return count


def _old_history(model, cutoff):
    history = model.history.model
    latest = history.objects.values("id").annotate(latest=Max("history_id")).values("latest")
    return history.objects.filter(history_date__lt=cutoff).exclude(history_id__in=latest)


def _history(cutoff, *, dry_run: bool) -> int:
    total = 0
    for model in CRM_HISTORY:
        old = _old_history(model, cutoff)
        total += old.count() if dry_run else old._raw_delete(old.db)
    return total


def _decisions(cutoff, *, dry_run: bool) -> int:
    total = 0
    for program_id in ScoringProgram.objects.values_list("pk", flat=True):
        if not dry_run:
            program_seal(program_id=program_id)
        links = DecisionLink.objects.filter(program_id=program_id)
        # The chain's prefix past the cut-off: positions before the first link whose decision is younger.
        younger = (
            links.filter(snapshot__created_at__gte=cutoff)
            .order_by("position")
            .values_list("position", flat=True)
            .first()
        )
        if younger is not None:
            links = links.filter(position__lt=younger)
        last = links.order_by("-position").first()
        if last is None:
            continue
        purged = ScoreSnapshot.objects.filter(pk__in=links.values("snapshot_id"))
        if dry_run:
            total += purged.count()
            continue
        ChainAnchor.objects.update_or_create(
            program_id=program_id,
            defaults={"through_position": last.position, "link_sha256": last.link_sha256},
        )
        ids = list(links.values_list("snapshot_id", flat=True))
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            DecisionLink.objects.filter(snapshot_id__in=chunk)._raw_delete(DecisionLink.objects.db)
            with pgtrigger.ignore(DECISION_LOG_TRIGGER):
                doomed = ScoreSnapshot.objects.filter(pk__in=chunk)
                total += doomed._raw_delete(doomed.db)
    return total


def _access_logs(cutoff, *, dry_run: bool) -> int:
    old = PersonalDataAccess.objects.filter(created_at__lt=cutoff)
    return old.count() if dry_run else old._raw_delete(old.db)


def retention_apply(*, dry_run: bool = True, user=None, now=None) -> RetentionRun:
    """Apply every active policy (or count what it would remove); the run is recorded either way."""
    now = now or timezone.now()
    counts = {}
    with transaction.atomic():
        for policy in RetentionPolicy.objects.filter(active=True).order_by("kind"):
            cutoff = now - timedelta(days=policy.max_age_days)
            if policy.kind == RetentionPolicy.Kind.EVENTS:
                counts["events"] = _events(cutoff, action=policy.action, dry_run=dry_run)
            elif policy.kind == RetentionPolicy.Kind.DECISIONS:
                counts["decisions"] = _decisions(cutoff, dry_run=dry_run)
            elif policy.kind == RetentionPolicy.Kind.HISTORY:
                counts["history"] = _history(cutoff, dry_run=dry_run)
            else:
                counts["access_logs"] = _access_logs(cutoff, dry_run=dry_run)
        return RetentionRun.objects.create(dry_run=dry_run, counts=counts, user=user)
