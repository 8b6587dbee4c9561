"""Tier changes notify the owner once (in the app and by e-mail); a same-tier rescore never does; a mail
server that fails leaves the score written, the notice marked failed, and is retried until it is sent."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction
from django.utils import timezone

from leadscoring.models import Rep
from scoring.automation import services
from scoring.automation.models import Notification
from scoring.automation.tasks import MailNotDelivered, notifications_email_task, notifications_sweep_task
from scoring.models import ScoreSnapshot
from tests.factories import make_lead

from .conftest import decision

pytestmark = pytest.mark.django_db


class FailingBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")

    def open(self):
        pass

    def close(self):
        pass


def test_a_tier_change_notifies_the_owner_once_with_cause_and_next_step(rep, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    at = timezone.now()

    decide(lead, tier="Hot", previous="Warm", at=at, trigger="event")
    decide(lead, tier="Hot", previous="Warm", at=at, trigger="event")  # the same decision again (redelivery)

    notice = Notification.objects.get()
    assert (notice.recipient, notice.lead, notice.kind) == (rep, lead, "tier_change")
    assert (notice.previous_tier, notice.tier) == ("Warm", "Hot")
    assert "moved from Warm to Hot" in notice.body
    assert "Demo requests" in notice.body  # the factor that moved between the two decisions
    assert "Next step: Call now" in notice.body
    assert notice.email_status == "pending" and notice.read_at is None


def test_a_rescore_that_keeps_the_tier_and_a_replay_send_nothing(rep, program, decide):
    lead = make_lead(program, score=80, owner=rep)
    decide(lead, tier="Hot", previous="Hot")
    decide(lead, tier="Warm", previous="Hot", trigger="replay")
    assert not Notification.objects.exists()


def test_a_stale_downgrade_notifies_like_any_tier_change(rep, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Cool", previous="Warm", trigger="stale")
    notice = Notification.objects.get()
    assert "Cause: stale" in notice.body


def test_non_hot_changes_wait_for_the_digest_when_the_rep_chose_it(rep, program, decide):
    Rep.objects.filter(user=rep).update(notify=Rep.Notify.DIGEST)
    warm = make_lead(program, score=60, owner=rep)
    hot = make_lead(program, score=60, owner=rep)
    decide(warm, tier="Cool", previous="Warm")
    decide(hot, tier="Hot", previous="Warm")
    status = dict(Notification.objects.values_list("lead_id", "email_status"))
    assert status == {warm.pk: "digest", hot.pk: "pending"}  # Hot alerts always go at once

    assert services.notifications_digest_send() == 1
    assert len(mail.outbox) == 1 and "1 tier change" in mail.outbox[0].subject


def test_a_failing_mail_server_never_undoes_the_score_and_the_mail_is_retried(
    rep, program, settings, django_capture_on_commit_callbacks
):
    lead = make_lead(program, score=60, owner=rep)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services_decision = decision(lead, tier="Hot", previous="Warm")
        from scoring.services.decisions import decisions_record

        decisions_record(decisions=[services_decision])

    assert ScoreSnapshot.objects.filter(lead=lead, tier="Hot").exists()  # the score stands
    notice = Notification.objects.get()
    assert (notice.email_status, notice.email_attempts) == ("failed", 1)
    assert "mail server down" in notice.email_error
    # The task asks Celery to retry with backoff (a worker waits 1 s, 2 s, 4 s, ...).
    assert (
        notifications_email_task.autoretry_for == (MailNotDelivered,)
        and notifications_email_task.retry_backoff
    )
    with pytest.raises(Retry):
        notifications_email_task.delay()
    notice.refresh_from_db()
    assert (notice.email_status, notice.email_attempts) == ("failed", 2)

    # The server is back: the periodic sweep sends what is still waiting, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_sweep_task.delay().get() == 1
    assert notifications_sweep_task.delay().get() == 0
    notice.refresh_from_db()
    assert notice.email_status == "sent" and notice.email_error == ""
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rita@example.com"]


def test_an_unassigned_hot_lead_with_nobody_free_tells_ops(ops, program, decide):
    lead = make_lead(program, score=60, owner=None)  # no Rep profiles: nobody can take it
    decide(lead, tier="Hot", previous="Warm")
    notice = Notification.objects.get()
    assert (notice.recipient, notice.kind) == (ops, "unassigned")
    assert "no active rep has room" in notice.body


def test_opening_a_notification_marks_it_read_and_the_nav_counts_unread(client, rep, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Hot", previous="Warm")
    client.force_login(rep)
    assert b'id="unread-count"' in client.get("/leads/").content

    notice = Notification.objects.get()
    response = client.get(f"/notifications/{notice.pk}/")
    assert response.status_code == 302 and response.url == f"/leads/{lead.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert b'id="unread-count"' not in client.get("/leads/").content


def test_a_user_cannot_open_someone_elses_notification(client, rep, other_rep, program, decide):
    lead = make_lead(program, score=60, owner=rep)
    decide(lead, tier="Hot", previous="Warm")
    client.force_login(other_rep)
    assert client.get(f"/notifications/{Notification.objects.get().pk}/").status_code == 404


def test_api_lists_the_callers_notifications_unread_first(client, rep, program, decide):
    first = make_lead(program, score=60, owner=rep)
    second = make_lead(program, score=60, owner=rep)
    decide(first, tier="Hot", previous="Warm", at=timezone.now() - timedelta(minutes=5))
    decide(second, tier="Hot", previous="Warm")
    Notification.objects.filter(lead=second).update(read_at=timezone.now())
    client.force_login(rep)
    body = client.get("/api/v1/leadscoring/notifications").json()
    assert [row["lead"] for row in body["results"]] == [first.pk, second.pk]
    assert body["results"][0]["read_at"] is None


def test_a_closed_lead_changing_tier_tells_nobody(rep, program, decide):
    lead = make_lead(program, score=60, owner=rep, status="converted")
    decide(lead, tier="Hot", previous="Warm")
    assert not Notification.objects.exists()
