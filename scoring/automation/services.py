"""The automation's writes: logged contacts, acting on decisions (assign, clock, notify), SLA breaches,
manual reassignment, and e-mail delivery of notifications.

Everything here runs inside the caller's transaction; the only thing that leaves the process, the
e-mail, is published after the commit (`transaction.on_commit`) and by the periodic sweep, so a mail
server that is down never blocks or undoes scoring and loses nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from config import roles
from leadscoring.models import Lead, Rep
from leadscoring.services import leads_owner_set

from ..models import LeadScore, ScoringProgram, TierDefinition
from .assignment import assignments_choose
from .calendar import business_deadline
from .calendars import calendar_default, calendar_of_rep, calendars_of
from .models import Assignment, AssignmentRules, Notification, RepContact, SlaClock
from .queue import OPEN_STATUSES, is_open, next_step

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 8
FUTURE_SLACK = timedelta(minutes=5)
REPLAY = "replay"


# ---------------------------------------------------------------- contacts


def contact_log(
    *, lead: Lead, rep, kind: str, outcome: str, note: str = "", occurred_at: datetime | None = None
) -> RepContact:
    """Record a rep's call, e-mail, meeting or note; the owner's first contact stops a running SLA clock."""
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + FUTURE_SLACK:
        raise ValidationError({"occurred_at": ["A contact cannot be logged in the future."]})
    contact = RepContact(
        lead=lead, rep=rep, kind=kind, outcome=outcome, note=(note or "").strip(), occurred_at=occurred_at
    )
    contact.full_clean()
    with transaction.atomic():
        contact.save()
        clock = SlaClock.objects.select_for_update().filter(lead=lead, stopped_at__isnull=True).first()
        by_owner = clock is not None and (
            clock.owner_id is None or clock.owner_id == getattr(rep, "pk", None)
        )
        if by_owner and occurred_at >= clock.started_at:
            clock.stopped_at = occurred_at
            clock.stopped_by = contact
            clock.stop_reason = "contact"
            clock.save(update_fields=["stopped_at", "stopped_by", "stop_reason"])
    return contact


# ---------------------------------------------------------------- acting on decisions


def _tiers_by_name(program_id: int) -> dict[str, TierDefinition]:
    return {t.name: t for t in TierDefinition.objects.filter(program_id=program_id).order_by("rank")}


def _clocked_tiers(tiers: dict[str, TierDefinition], rules: AssignmentRules) -> dict[str, TierDefinition]:
    with_sla = [t for t in tiers.values() if t.sla_hours]
    if rules.sla_top_tier_only:
        with_sla = [t for t in with_sla if t.rank == min(x.rank for x in tiers.values())]
    return {t.name: t for t in with_sla}


def _assign_tiers(tiers: dict[str, TierDefinition], rules: AssignmentRules) -> list[str]:
    if rules.assign_tiers:
        return [name for name in rules.assign_tiers if name in tiers]
    return [t.name for t in sorted(tiers.values(), key=lambda t: t.rank)[:2]]


def _factor_points(factors) -> dict[str, tuple[str, float]]:
    points = {}
    for f in factors or []:
        if isinstance(f, dict) and f.get("signal"):
            points[f["signal"]] = (str(f.get("label") or f["signal"]), float(f.get("points") or 0.0))
    return points


def factors_moved(previous, current, *, limit: int = 3) -> list[str]:
    """The factors whose points changed most between two decisions, e.g. "Demo requests +14.2"."""
    before, after = _factor_points(previous), _factor_points(current)
    moved = []
    for signal in set(before) | set(after):
        label = (after.get(signal) or before.get(signal))[0]
        delta = after.get(signal, ("", 0.0))[1] - before.get(signal, ("", 0.0))[1]
        if abs(delta) >= 0.05:
            moved.append((abs(delta), f"{label} {delta:+.1f}"))
    return [text for _, text in sorted(moved, reverse=True)[:limit]]


def _cause(decision, previous_factors) -> str:
    moved = factors_moved(previous_factors, decision.top_factors)
    what = f"{decision.trigger.replace('_', ' ')}" + (f": {decision.reason}" if decision.reason else "")
    return f"Cause: {what}." + (f" What moved: {'; '.join(moved)}." if moved else "")


def _ops_users():
    return list(get_user_model().objects.filter(groups__name=roles.OPS, is_active=True).distinct())


def _email_status(user, *, immediate: bool) -> str:
    if not getattr(user, "email", ""):
        return Notification.Email.NONE
    return Notification.Email.PENDING if immediate else Notification.Email.DIGEST


def _pool_notices(
    *, leads: list[Lead], reasons: dict[int, list[str]], at: datetime, ops: list
) -> list[Notification]:
    return [
        Notification(
            recipient=user,
            lead=lead,
            kind=Notification.Kind.UNASSIGNED,
            about_at=at,
            title=f"{lead} waits in the pool",
            body="; ".join(reasons.get(lead.pk, [])) + ". Assign it by hand in the admin (Assignments).",
            email_status=_email_status(user, immediate=True),
        )
        for lead in leads
        for user in ops
    ]


def leads_assign(
    *,
    leads: list[Lead],
    program_id: int,
    tiers: list[str],
    method: str,
    at: datetime,
    actor=None,
    exclude_user_ids=(),
) -> tuple[list[Assignment], list[Notification]]:
    """Assign unassigned leads (records every choice with its reasons); the pool's leads tell ops."""
    program = ScoringProgram(pk=program_id)
    choices = assignments_choose(leads=leads, program=program, tiers=tiers, exclude_user_ids=exclude_user_ids)
    rows = [
        Assignment(
            lead_id=c.lead_id,
            rep_id=c.rep_user_id,
            assigned_at=at,
            method=method,
            reasons=c.reasons,
            actor=actor,
        )
        for c in choices
    ]
    Assignment.objects.bulk_create(rows)
    owners = {c.lead_id: c.rep_user_id for c in choices if c.rep_user_id is not None}
    leads_owner_set(
        owner_by_lead=owners, actor=actor, reason_by_lead={c.lead_id: "; ".join(c.reasons) for c in choices}
    )
    by_id = {lead.pk: lead for lead in leads}
    for lead_id, user_id in owners.items():
        by_id[lead_id].owner_id = user_id
    pooled = [by_id[c.lead_id] for c in choices if c.rep_user_id is None]
    notices = (
        _pool_notices(leads=pooled, reasons={c.lead_id: c.reasons for c in choices}, at=at, ops=_ops_users())
        if pooled
        else []
    )
    return rows, notices


def _clocks_start(*, leads: list[Lead], tier: dict[int, TierDefinition], at: datetime) -> list[SlaClock]:
    calendars = calendars_of(user_ids={lead.owner_id for lead in leads})
    clocks = []
    for lead in leads:
        definition = tier[lead.pk]
        calendar = calendars.get(lead.owner_id) or calendar_default()
        clocks.append(
            SlaClock(
                lead=lead,
                owner_id=lead.owner_id,
                tier=definition.name,
                hours=float(definition.sla_hours),
                started_at=at,
                due_at=business_deadline(at, definition.sla_hours, calendar),
            )
        )
    return SlaClock.objects.bulk_create(clocks)


def decisions_act(*, decisions) -> int:
    """React to a batch of decisions: for each tier change, assign the unassigned lead, start or stop
    its SLA clock and notify its owner. A batch without a tier change costs no query. Returns the
    number of tier changes acted on."""
    changes = [d for d in decisions if d.trigger != REPLAY and d.tier != d.previous_tier]
    if not changes:
        return 0
    default_id = ScoringProgram.objects.filter(is_default=True).values_list("pk", flat=True).first()
    changes = [d for d in changes if d.program_id == default_id]
    if not changes:
        return 0
    tiers = _tiers_by_name(default_id)
    rules = AssignmentRules.load()
    top = min(tiers.values(), key=lambda t: t.rank) if tiers else None
    by_lead = {d.lead_id: d for d in changes}  # the latest decision of a lead in this batch
    leads = {
        lead.pk: lead for lead in Lead.objects.filter(pk__in=list(by_lead)).select_related("account", "owner")
    }
    at = max(d.created_at for d in changes)

    notices: list[Notification] = []
    assign_tiers = _assign_tiers(tiers, rules)
    to_assign = [
        lead
        for lead in leads.values()
        if lead.owner_id is None and is_open(lead.status) and by_lead[lead.pk].tier in assign_tiers
    ]
    assigned: dict[int, Assignment] = {}
    if to_assign:
        rows, pool = leads_assign(
            leads=to_assign,
            program_id=default_id,
            tiers=assign_tiers,
            method=Assignment.Method.AUTOMATIC,
            at=at,
        )
        assigned = {row.lead_id: row for row in rows if row.rep_id is not None}
        notices += pool
    owners = {
        u.pk: u
        for u in get_user_model().objects.filter(
            pk__in={lead.owner_id for lead in leads.values() if lead.owner_id}
        )
    }
    prefs = dict(Rep.objects.filter(user_id__in=list(owners)).values_list("user_id", "notify"))

    # SLA clocks: any tier change ends the running clock; entering a clocked tier starts a new one.
    clocked = _clocked_tiers(tiers, rules)
    SlaClock.objects.filter(lead_id__in=list(by_lead), stopped_at__isnull=True).update(
        stopped_at=at, stop_reason="left_tier"
    )
    starting = [lead for lead in leads.values() if by_lead[lead.pk].tier in clocked and is_open(lead.status)]
    if starting:
        _clocks_start(
            leads=starting, tier={lead.pk: clocked[by_lead[lead.pk].tier] for lead in starting}, at=at
        )

    previous = dict(
        LeadScore.objects.filter(program_id=default_id, lead_id__in=list(by_lead)).values_list(
            "lead_id", "top_factors"
        )
    )
    for lead_id, decision in by_lead.items():
        lead = leads.get(lead_id)
        if lead is None or lead.owner_id is None or lead.owner_id not in owners or not is_open(lead.status):
            continue  # a closed lead has left the work queue: its owner is not told
        into_top = top is not None and decision.tier == top.name
        if not decision.previous_tier and not into_top:
            continue  # a first score tells the owner only when it is straight into the top tier
        owner = owners[lead.owner_id]
        tier = tiers.get(decision.tier)
        was = decision.previous_tier or "not scored"
        body = [
            f"{lead} moved from {was} to {decision.tier} (score {decision.score:.0f}).",
            _cause(decision, previous.get(lead_id)),
            f"Next step: {next_step(status=lead.status, tier=tier) or 'none set for this tier'}.",
        ]
        if lead_id in assigned:
            body.append("Assigned to you: " + "; ".join(assigned[lead_id].reasons) + ".")
        immediate = into_top or prefs.get(owner.pk, Rep.Notify.IMMEDIATE) == Rep.Notify.IMMEDIATE
        notices.append(
            Notification(
                recipient=owner,
                lead=lead,
                kind=Notification.Kind.TIER_CHANGE,
                about_at=decision.created_at,
                tier=decision.tier,
                previous_tier=decision.previous_tier,
                title=f"{lead} is now {decision.tier} (was {was})",
                body="\n".join(body),
                email_status=_email_status(owner, immediate=immediate),
            )
        )
    notifications_store(notices)
    return len(changes)


def notifications_store(notices: list[Notification]) -> None:
    """Write notices (a repeated one is skipped by its unique key) and publish their e-mails after commit."""
    if not notices:
        return
    Notification.objects.bulk_create(notices, ignore_conflicts=True, batch_size=500)
    if any(n.email_status == Notification.Email.PENDING for n in notices):
        transaction.on_commit(_publish_email, robust=True)


def _publish_email() -> None:
    from .tasks import notifications_email_task

    try:
        notifications_email_task.delay()
    except Exception:
        # A broker that is down (or, eagerly, a first attempt that failed and asked to retry) loses
        # nothing: the rows stay pending or failed, and the periodic sweep sends them.
        logger.warning("Notification e-mails not sent now; the sweep will retry them", exc_info=True)


# ---------------------------------------------------------------- SLA breaches and reassignment


def sla_breaches_record(*, now: datetime | None = None, limit: int = 500) -> int:
    """Record every clock past due and not stopped: once each, telling the owner and their manager; with
    the rule on, give the lead to another rep with room (a new clock starts). Returns breaches recorded."""
    now = now or timezone.now()
    rules = AssignmentRules.load()
    with transaction.atomic():
        clocks = list(
            SlaClock.objects.select_for_update(skip_locked=True)
            .filter(stopped_at__isnull=True, breached_at__isnull=True, due_at__lte=now)
            .order_by("due_at")[:limit]
        )
        if not clocks:
            return 0
        for clock in clocks:
            clock.breached_at = now
        SlaClock.objects.bulk_update(clocks, ["breached_at"])
        leads = {
            lead.pk: lead
            for lead in Lead.objects.filter(pk__in=[c.lead_id for c in clocks]).select_related("account")
        }
        managers = dict(
            Rep.objects.filter(user_id__in={c.owner_id for c in clocks if c.owner_id}).values_list(
                "user_id", "manager_id"
            )
        )
        users = {
            u.pk: u
            for u in get_user_model().objects.filter(pk__in={*managers, *filter(None, managers.values())})
        }
        ops = None
        notices = []
        for clock in clocks:
            lead = leads[clock.lead_id]
            late = f"{lead} was not contacted within {clock.hours:g} business hour(s) of turning {clock.tier} (due {clock.due_at:%Y-%m-%d %H:%M} UTC)."
            recipients = [users.get(clock.owner_id), users.get(managers.get(clock.owner_id))]
            if clock.owner_id is None:
                ops = ops if ops is not None else _ops_users()
                recipients = ops
            for user in filter(None, recipients):
                notices.append(
                    Notification(
                        recipient=user,
                        lead=lead,
                        kind=Notification.Kind.SLA_BREACH,
                        about_at=clock.started_at,
                        tier=clock.tier,
                        title=f"SLA missed: {lead}",
                        body=late,
                        email_status=_email_status(user, immediate=True),
                    )
                )
        if rules.reassign_on_breach:
            notices += _reassign_breached(clocks=clocks, leads=leads, at=now)
        notifications_store(notices)
    return len(clocks)


def _reassign_breached(*, clocks: list[SlaClock], leads: dict[int, Lead], at: datetime) -> list[Notification]:
    program_id = ScoringProgram.objects.filter(is_default=True).values_list("pk", flat=True).first()
    tiers = _tiers_by_name(program_id)
    assign_tiers = _assign_tiers(tiers, AssignmentRules.load())
    notices = []
    for clock in clocks:  # a breach sweep holds few leads; each excludes its own late owner
        lead = leads[clock.lead_id]
        if not is_open(lead.status):
            continue
        previous_owner = lead.owner_id
        rows, pool = leads_assign(
            leads=[lead],
            program_id=program_id,
            tiers=assign_tiers,
            method=Assignment.Method.SLA_BREACH,
            at=at,
            exclude_user_ids=[previous_owner] if previous_owner else [],
        )
        notices += pool
        if rows and rows[0].rep_id is not None:
            clock.stopped_at, clock.stop_reason = at, "reassigned"
            clock.save(update_fields=["stopped_at", "stop_reason"])
            _clocks_start(leads=[lead], tier={lead.pk: tiers[clock.tier]}, at=at)
    return notices


def lead_reassign(*, lead: Lead, rep_user, actor, reason: str = "") -> Assignment:
    """Ops hand a lead to a rep (or back to the pool) by hand; recorded like an automatic assignment,
    and a running SLA clock restarts for the new owner."""
    now = timezone.now()
    reasons = ["assigned by hand" + (f" by {actor}" if actor else "")] + (
        [reason.strip()] if reason.strip() else []
    )
    with transaction.atomic():
        row = Assignment.objects.create(
            lead=lead,
            rep=rep_user,
            assigned_at=now,
            method=Assignment.Method.MANUAL,
            reasons=reasons,
            actor=actor,
        )
        leads_owner_set(
            owner_by_lead={lead.pk: getattr(rep_user, "pk", None)},
            actor=actor,
            reason_by_lead={lead.pk: "; ".join(reasons)},
        )
        lead.owner_id = getattr(rep_user, "pk", None)
        running = SlaClock.objects.select_for_update().filter(lead=lead, stopped_at__isnull=True).first()
        if running is not None and running.owner_id != lead.owner_id:
            running.stopped_at, running.stop_reason = now, "reassigned"
            running.save(update_fields=["stopped_at", "stop_reason"])
            definition = TierDefinition(name=running.tier, sla_hours=running.hours)
            _clocks_start(leads=[lead], tier={lead.pk: definition}, at=now)
        if rep_user is not None:
            notifications_store(
                [
                    Notification(
                        recipient=rep_user,
                        lead=lead,
                        kind=Notification.Kind.ASSIGNED,
                        about_at=now,
                        title=f"{lead} was assigned to you",
                        body="; ".join(reasons),
                        email_status=_email_status(rep_user, immediate=True),
                    )
                ]
            )
    return row


# ---------------------------------------------------------------- reading and e-mailing notifications


def notification_open(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def _message(n: Notification, connection) -> EmailMessage:
    link = f"\n\nOpen the lead: /leads/{n.lead_id}/" if n.lead_id else ""
    return EmailMessage(subject=n.title, body=n.body + link, to=[n.recipient.email], connection=connection)


def notifications_email_pending(*, limit: int = 200) -> tuple[int, int]:
    """E-mail pending (and earlier failed) notifications; each records its outcome. Returns (sent, failed)."""
    sent = failed = 0
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                email_status__in=[Notification.Email.PENDING, Notification.Email.FAILED],
                email_attempts__lt=MAX_EMAIL_ATTEMPTS,
            )
            .select_related("recipient")
            .order_by("created_at", "pk")[:limit]
        )
        if not rows:
            return 0, 0
        connection = get_connection()
        now = timezone.now()
        for n in rows:
            n.email_attempts += 1
            try:
                _message(n, connection).send()
            except Exception as exc:  # any backend failure is recorded and retried, never raised into scoring
                n.email_status, n.email_error = (
                    Notification.Email.FAILED,
                    f"{type(exc).__name__}: {exc}"[:500],
                )
                failed += 1
            else:
                n.email_status, n.email_error, n.emailed_at = Notification.Email.SENT, "", now
                sent += 1
        Notification.objects.bulk_update(
            rows, ["email_status", "email_attempts", "email_error", "emailed_at"]
        )
    return sent, failed


def notifications_digest_due(*, now: datetime | None = None) -> bool:
    """The hourly beat sends the digest in the hour the rules name (site time zone)."""
    return timezone.localtime(now or timezone.now()).hour == AssignmentRules.load().digest_hour


def notifications_digest_send(*, now: datetime | None = None) -> int:
    """One e-mail per rep with their digest notices; returns how many e-mails were sent."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(email_status=Notification.Email.DIGEST)
            .select_related("recipient")
            .order_by("recipient_id", "created_at")[:5000]
        )
        by_user = defaultdict(list)
        for n in rows:
            by_user[n.recipient_id].append(n)
        connection = get_connection()
        emails = 0
        for notes in by_user.values():
            user = notes[0].recipient
            body = "\n\n".join(f"{n.title}\n{n.body}" for n in notes)
            try:
                EmailMessage(
                    subject=f"Lead scoring digest: {len(notes)} tier change(s)",
                    body=body,
                    to=[user.email],
                    connection=connection,
                ).send()
            except Exception as exc:
                status, error = (
                    Notification.Email.PENDING,
                    f"{type(exc).__name__}: {exc}"[:500],
                )  # sent singly next sweep
            else:
                status, error = Notification.Email.SENT, ""
                emails += 1
            for n in notes:
                n.email_status, n.email_error = status, error
                n.emailed_at = now if status == Notification.Email.SENT else None
        Notification.objects.bulk_update(rows, ["email_status", "email_error", "emailed_at"])
    return emails


__all__ = [
    "OPEN_STATUSES",
    "calendar_of_rep",
    "contact_log",
    "decisions_act",
    "factors_moved",
    "lead_reassign",
    "leads_assign",
    "notification_open",
    "notifications_digest_due",
    "notifications_digest_send",
    "notifications_email_pending",
    "notifications_store",
    "sla_breaches_record",
]


# ---------------------------------------------------------------- catching up with scores already given


def automation_catch_up(*, now: datetime | None = None) -> dict:
    """Act on the tiers leads already hold, once: the automation otherwise reacts only to tier changes,
    so leads that were Hot or Warm before it ran (a fresh demo, an upgrade) would wait with no owner
    and no clock. Open unassigned leads in the assigned tiers are assigned (or pooled, ops told); open
    owned leads in a clocked tier without a running clock get one, started now (not back-dated: a clock
    that was never shown to the rep must not be breached already). Running it again changes nothing.
    Returns how many leads were assigned, pooled and clocked."""
    now = now or timezone.now()
    default_id = ScoringProgram.objects.filter(is_default=True).values_list("pk", flat=True).first()
    if default_id is None:
        return {"assigned": 0, "pooled": 0, "clocks_started": 0}
    tiers = _tiers_by_name(default_id)
    rules = AssignmentRules.load()
    tier_of = dict(
        LeadScore.objects.filter(program_id=default_id, lead__status__in=OPEN_STATUSES).values_list(
            "lead_id", "tier"
        )
    )
    assign_tiers = _assign_tiers(tiers, rules)
    unassigned = list(
        Lead.objects.filter(
            pk__in=[lead_id for lead_id, tier in tier_of.items() if tier in assign_tiers], owner__isnull=True
        ).select_related("account")
    )
    assigned = pooled = 0
    if unassigned:
        rows, notices = leads_assign(
            leads=unassigned,
            program_id=default_id,
            tiers=assign_tiers,
            method=Assignment.Method.AUTOMATIC,
            at=now,
        )
        notifications_store(notices)
        assigned = sum(1 for row in rows if row.rep_id is not None)
        pooled = len(rows) - assigned
    clocked = _clocked_tiers(tiers, rules)
    running = set(SlaClock.objects.filter(stopped_at__isnull=True).values_list("lead_id", flat=True))
    waiting = [
        lead
        for lead in Lead.objects.filter(
            pk__in=[lead_id for lead_id, tier in tier_of.items() if tier in clocked], owner__isnull=False
        )
        if lead.pk not in running
    ]
    if waiting:
        _clocks_start(leads=waiting, tier={lead.pk: clocked[tier_of[lead.pk]] for lead in waiting}, at=now)
    return {"assigned": assigned, "pooled": pooled, "clocks_started": len(waiting)}
