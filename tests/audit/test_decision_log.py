"""The decision log cannot be altered unnoticed: append-only (admin, ORM, and a trigger on PostgreSQL),
each row digested at write, chained per program by the sealer, and checked by verify_decision_log."""

from datetime import timedelta

import pgtrigger
import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from audit.models import DecisionLink
from audit.services.decision_log import decision_log_seal, decision_log_verify
from scoring.models import DECISION_LOG_TRIGGER, ScoreSnapshot
from scoring.selectors import program_default
from scoring.services.chain import decision_digest, json_text_as_written
from scoring.services.decisions import DIGEST_COLUMNS, JSON_COLUMNS, DecisionRow, decisions_record
from tests.factories import LeadFactory, make_user

pytestmark = pytest.mark.django_db


def _decisions(n: int, *, lead=None) -> list[ScoreSnapshot]:
    program = program_default()
    now = timezone.now()
    rows = [
        DecisionRow(
            lead_id=(lead or LeadFactory()).pk,
            program_id=program.pk,
            model_id=None,
            score=40.0 + i + 0.25,
            tier="Warm",
            probability=0.1234,
            confidence=None,
            subtotals={"intent": 12.5, "behavioral": 1e20, "engagement": 3},
            top_factors=[{"signal": "pricing_views_7d", "label": "Pricing views is 3", "points": 18.0}],
            missing_signals=[],
            inputs={"pricing_views_7d": 3, "budget": None, "title": "Ingénieur"},
            trigger="batch",
            created_at=now - timedelta(minutes=n - i),
        )
        for i in range(n)
    ]
    decisions_record(decisions=rows)
    return list(ScoreSnapshot.objects.order_by("id"))


def _tamper(snapshot_id: int, **changes) -> None:
    # What someone with database access could do: the test switches the trigger off first.
    with pgtrigger.ignore(DECISION_LOG_TRIGGER):
        ScoreSnapshot.objects.filter(pk=snapshot_id).update(**changes)


def test_each_decision_written_carries_the_digest_of_its_content_as_read_back():
    # COPY on PostgreSQL, bulk_create on SQLite: the digest at write must equal the digest recomputed
    # from the stored columns (JSONB spells 1e20 as an integer; the canonical form reads both alike).
    for row in ScoreSnapshot.objects.filter(pk__in=[s.pk for s in _decisions(3)]).values(
        "content_sha256", *DIGEST_COLUMNS
    ):
        stored = row.pop("content_sha256")
        as_written = {c: json_text_as_written(row[c]) for c in JSON_COLUMNS}
        assert len(stored) == 64
        assert stored in (decision_digest(row), decision_digest(row, texts=as_written))
    decision_log_seal()
    assert decision_log_verify().ok


def test_an_intact_log_verifies_and_every_decision_is_sealed_once_in_order():
    decisions = _decisions(5)
    assert decision_log_seal() == 5
    assert decision_log_seal() == 0  # nothing new: nothing appended
    links = list(DecisionLink.objects.order_by("position"))
    assert [link.snapshot_id for link in links] == [d.pk for d in decisions]
    report = decision_log_verify()
    assert report.ok
    assert (report.programs[0].links, report.programs[0].unsealed) == (5, 0)
    call_command("verify_decision_log")


def test_verify_names_the_first_altered_decision_behind_the_triggers_back():
    decisions = _decisions(6)
    decision_log_seal()
    _tamper(decisions[3].pk, score=99.0)
    _tamper(decisions[4].pk, tier="Hot")

    report = decision_log_verify()

    assert not report.ok
    broken = report.programs[0].broken
    assert (broken["position"], broken["decision_id"]) == (4, decisions[3].pk)
    assert "altered" in broken["problem"]
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_decision_log")


def test_verify_finds_a_deleted_decision_and_an_edited_link():
    decisions = _decisions(4)
    decision_log_seal()
    # The link's foreign key (checked at commit) refuses the decision's deletion alone; both: a gap.
    with pgtrigger.ignore(DECISION_LOG_TRIGGER):
        ScoreSnapshot.objects.filter(pk=decisions[1].pk).delete()
    broken = decision_log_verify().programs[0].broken
    assert (broken["position"], broken["decision_id"]) == (3, decisions[2].pk)
    assert broken["problem"] == "a gap in the chain: position 2 is missing"

    DecisionLink.objects.filter(snapshot_id=decisions[0].pk).update(link_sha256="f" * 64)
    broken = decision_log_verify(seal=False).programs[0].broken
    assert broken["position"] == 1 and "edited" in broken["problem"]


def test_rewriting_content_and_its_digest_column_together_is_still_caught():
    decisions = _decisions(2)
    decision_log_seal()
    row = ScoreSnapshot.objects.values(*DIGEST_COLUMNS).get(pk=decisions[1].pk)
    row["score"] = 1.0
    _tamper(decisions[1].pk, score=1.0, content_sha256=decision_digest(row))
    assert decision_log_verify().programs[0].broken["decision_id"] == decisions[1].pk


def test_the_admin_offers_no_add_change_or_delete_of_a_decision():
    admin = site._registry[ScoreSnapshot]
    request = RequestFactory().get("/")
    request.user = make_user("root", is_superuser=True, is_staff=True)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


def test_deleting_a_lead_erases_it_and_keeps_its_decisions():
    lead = LeadFactory(email="gone@example.com")
    _decisions(3, lead=lead)
    other = LeadFactory()
    _decisions(1, lead=other)

    lead.delete()
    from leadscoring.models import Lead

    Lead.objects.filter(pk=other.pk).delete()  # the admin's bulk action takes this path

    assert ScoreSnapshot.objects.filter(lead_id=lead.pk).count() == 3
    assert ScoreSnapshot.objects.filter(lead_id=other.pk).count() == 1
    kept = Lead.objects.get(pk=lead.pk)
    assert (kept.email, kept.erased_at is not None, kept.do_not_process) == ("", True, True)
    assert Lead.objects.get(pk=other.pk).erased_at is not None


def test_postgresql_refuses_update_and_delete_of_a_decision_at_the_database():
    if connection.vendor != "postgresql":
        # CI runs it in its PostgreSQL leg; the SQLite leg has no trigger to test.
        pytest.skip("the append-only trigger exists on PostgreSQL only (DATABASE_URL)")
    decision = _decisions(1)[0]
    for sql in (
        f"UPDATE scoring_scoresnapshot SET score = 99 WHERE id = {decision.pk}",
        f"DELETE FROM scoring_scoresnapshot WHERE id = {decision.pk}",
    ):
        with (
            pytest.raises(DatabaseError, match="decision_log_append_only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        ScoreSnapshot.objects.filter(pk=decision.pk).delete()
    assert ScoreSnapshot.objects.get(pk=decision.pk).score == decision.score


def test_a_decision_committed_after_a_higher_id_was_sealed_is_sealed_next_not_skipped():
    # Two workers: the one holding the lower id commits last. Its row must still join the chain.
    lead = LeadFactory()
    late = ScoreSnapshot(lead=lead, program=program_default(), score=1, tier="Cold", trigger="batch")
    early = ScoreSnapshot(lead=lead, program=program_default(), score=2, tier="Cold", trigger="batch")
    early.id, late.id = 1000, 900
    early.save(force_insert=True)
    assert decision_log_seal() == 1
    late.save(force_insert=True)

    assert decision_log_seal() == 1
    assert list(DecisionLink.objects.order_by("position").values_list("snapshot_id", flat=True)) == [
        1000,
        900,
    ]
    assert decision_log_verify().ok


def test_decisions_written_before_digests_existed_are_digested_when_sealed():
    decisions = _decisions(2)
    _tamper(decisions[0].pk, content_sha256="")  # what the migration leaves on older rows

    assert decision_log_seal() == 2
    # Verify recomputes every digest from the columns: the sealer's must be the same.
    assert len(DecisionLink.objects.get(snapshot_id=decisions[0].pk).content_sha256) == 64
    assert decision_log_verify().ok
