"""My leads and the lead page: what a rep sees, what they may not see, and the feedback buttons."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import PersonalDataAccess
from scoring.models import LeadFeedback, SlaClock
from tests.factories import make_lead

pytestmark = pytest.mark.django_db


def test_rep_sees_own_and_pool_leads_sorted_by_score(client, rep, other_rep, program):
    mine = make_lead(program, score=62, owner=rep, first_name="Mine")
    pool = make_lead(program, score=88, owner=None, first_name="Pooled")
    theirs = make_lead(program, score=95, owner=other_rep, first_name="Theirs")
    client.force_login(rep)

    page = client.get(reverse("leads"))

    assert page.status_code == 200
    rows = [row["lead"].pk for row in page.context["rows"]]
    assert rows == [pool.pk, mine.pk]  # 88 before 62; the other rep's 95 is not shown
    assert theirs.pk not in rows
    assert b"Theirs" not in page.content


def test_rows_show_tier_reason_action_and_hot_sla(client, rep, program):
    lead = make_lead(program, score=91, owner=rep)
    now = timezone.now()
    SlaClock.objects.create(
        lead=lead,
        owner=rep,
        tier="Hot",
        hours=1,
        started_at=now - timedelta(minutes=30),
        due_at=now + timedelta(minutes=30),
    )
    client.force_login(rep)

    page = client.get(reverse("leads"))

    row = page.context["rows"][0]
    assert row["tier"] == "Hot" and row["colour"] == "#d64545"
    assert row["top_reason"] == "Viewed the pricing page 3 times this week"
    assert row["action"].startswith("Call now")
    assert row["arrow"] == "↑"
    # Hot for 30 minutes with a 1-hour SLA: about 30 minutes left.
    assert row["sla"]["state"] == "due" and "min" in row["sla"]["text"]
    assert page.context["hot_queue"][0]["lead"] == row["lead"]
    assert b"Hot queue" in page.content


def test_filters_tier_source_status_and_search(client, rep, program):
    make_lead(program, score=90, owner=rep, source="Webinar", first_name="Ada")
    make_lead(program, score=55, owner=rep, source="Referral", first_name="Bob", status="contacted")
    make_lead(program, score=20, owner=rep, source="Referral", first_name="Cy")
    client.force_login(rep)

    def names(**params):
        page = client.get(reverse("leads"), params)
        return [r["lead"].first_name for r in page.context["rows"]]

    assert names(tier="Warm") == ["Bob"]
    assert names(source="Referral") == ["Bob", "Cy"]
    assert names(status="contacted") == ["Bob"]
    assert names(q="ada") == ["Ada"]
    assert names(tier="Hot", source="Referral") == []


def test_pagination_keeps_filters(client, rep, program):
    for i in range(30):
        make_lead(program, score=40 + i % 10, owner=rep, source="Web")
    client.force_login(rep)

    first = client.get(reverse("leads"), {"source": "Web"})
    second = client.get(reverse("leads"), {"source": "Web", "page": 2})

    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 5
    assert b"source=Web&amp;page=2" in first.content


def test_empty_state(client, rep, program):
    client.force_login(rep)
    page = client.get(reverse("leads"))
    assert b"No scored leads yet" in page.content


def test_lead_page_shows_reasons_history_and_activity(client, rep, program, live_model_row):
    lead = make_lead(
        program,
        score=82,
        owner=rep,
        model=live_model_row,
        history=[(20, 40, "created"), (10, 60, "event"), (1, 82, "event")],
    )
    client.force_login(rep)

    page = client.get(reverse("lead", args=[lead.pk]))

    assert page.status_code == 200
    body = page.content.decode()
    assert "Viewed the pricing page 3 times this week" in body  # a factor for
    assert "An email bounced" in body  # a factor against
    assert "Budget" in body and "Purchase timeline (days)" in body  # missing signals, in plain words
    assert "Call now" in body
    assert 'id="chart-history"' in body and "vendor/plotly.min.js" in body
    assert "Pricing page view" in body  # activity timeline and the tier change cause
    assert [f["text"] for f in page.context["factors_against"]] == ["An email bounced"]
    assert {d["label"] for d in page.context["subtotals"]} >= {"Intent", "Negative"}
    # The read of a person's data is on record.
    assert PersonalDataAccess.objects.filter(lead=lead, user=rep, channel="page").exists()


def test_lead_page_without_a_score_has_an_empty_state(client, rep, program):
    from leadscoring.models import Lead

    lead = Lead.objects.create(external_id="X1", owner=rep, first_name="Nos")
    client.force_login(rep)
    page = client.get(reverse("lead", args=[lead.pk]))
    assert page.status_code == 200
    assert b"has not been scored yet" in page.content


def test_rep_cannot_open_another_reps_lead(client, rep, other_rep, program):
    theirs = make_lead(program, score=95, owner=other_rep)
    client.force_login(rep)

    page = client.get(reverse("lead", args=[theirs.pk]))
    feedback = client.post(reverse("lead-feedback", args=[theirs.pk]), {"verdict": "bad_fit", "reason": "x"})

    assert page.status_code == 404
    assert b"couldn" in page.content  # our readable 404 page
    assert feedback.status_code == 404
    assert not LeadFeedback.objects.exists()


def test_rep_can_open_a_pool_lead(client, rep, program):
    pooled = make_lead(program, score=50, owner=None)
    client.force_login(rep)
    assert client.get(reverse("lead", args=[pooled.pk])).status_code == 200


def test_bad_fit_feedback_is_recorded_with_its_reason(client, rep, program):
    lead = make_lead(program, score=70, owner=rep)
    client.force_login(rep)

    response = client.post(
        reverse("lead-feedback", args=[lead.pk]), {"verdict": "bad_fit", "reason": "Student, not a buyer"}
    )

    assert response.status_code == 302
    feedback = LeadFeedback.objects.get()
    assert (feedback.lead, feedback.user, feedback.verdict, feedback.reason) == (
        lead,
        rep,
        "bad_fit",
        "Student, not a buyer",
    )
    page = client.get(response.url)
    assert "marked as “Bad fit / junk”" in page.content.decode()


def test_feedback_refuses_an_unknown_verdict_and_get(client, rep, program):
    lead = make_lead(program, score=70, owner=rep)
    client.force_login(rep)
    client.post(reverse("lead-feedback", args=[lead.pk]), {"verdict": "meh"})
    assert client.get(reverse("lead-feedback", args=[lead.pk])).status_code == 405
    assert not LeadFeedback.objects.exists()


def test_feedback_needs_the_csrf_token(rep, program):
    from django.test import Client

    lead = make_lead(program, score=70, owner=rep)
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    response = client.post(reverse("lead-feedback", args=[lead.pk]), {"verdict": "good"})
    assert response.status_code == 403
    assert not LeadFeedback.objects.exists()


def test_ops_see_every_lead_with_owners(client, ops, rep, other_rep, program):
    make_lead(program, score=60, owner=rep)
    make_lead(program, score=70, owner=other_rep)
    client.force_login(ops)
    page = client.get(reverse("leads"))
    assert len(page.context["rows"]) == 2
    assert b"Owner" in page.content


def test_anonymous_is_sent_to_login_and_integration_is_refused(client, integration, program):
    response = client.get(reverse("leads"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(integration)
    refused = client.get(reverse("leads"))
    assert refused.status_code == 403
    assert b"have access" in refused.content


def test_a_lead_scored_once_shows_a_week_of_history_not_milliseconds():
    from scoring.charts import _history_span

    one = [{"at": "2026-11-30T16:30:46.443500+00:00"}]
    assert _history_span(one) == {
        "range": ["2026-11-23T16:30:46.443500+00:00", "2026-12-01T04:30:46.443500+00:00"]
    }
    months = [{"at": "2026-09-01T00:00:00+00:00"}, *one]
    assert _history_span(months) == {}  # long enough: plotly's own range


def _override(lead, program, *, tier: str, expires_in=None) -> None:
    from django.utils import timezone

    from scoring.models import LeadScore

    expires = timezone.now() + expires_in if expires_in is not None else None
    LeadScore.objects.filter(lead=lead, program=program).update(
        override_tier=tier, override_reason="Student, not a buyer", override_expires_at=expires
    )


def test_a_lead_scored_hot_and_overridden_to_cold_is_listed_as_cold(client, rep, program):
    overridden = make_lead(program, score=91, owner=rep, first_name="Overridden")
    hot = make_lead(program, score=88, owner=rep, first_name="StillHot")
    _override(overridden, program, tier="Cold")
    client.force_login(rep)

    cold_rows = client.get(reverse("leads"), {"tier": "Cold"}).context["rows"]
    hot_rows = client.get(reverse("leads"), {"tier": "Hot"}).context["rows"]

    assert [(r["lead"].pk, r["tier"]) for r in cold_rows] == [(overridden.pk, "Cold")]
    assert [r["lead"].pk for r in hot_rows] == [hot.pk]
    # Unfiltered, the Hot queue holds the lead still Hot, not the one overridden to Cold.
    page = client.get(reverse("leads"))
    assert [r["lead"].pk for r in page.context["hot_queue"]] == [hot.pk]
    assert {r["lead"].pk: r["tier"] for r in page.context["rows"]}[overridden.pk] == "Cold"


def test_an_expired_override_no_longer_moves_the_lead(client, rep, program):
    from datetime import timedelta

    lead = make_lead(program, score=91, owner=rep)
    _override(lead, program, tier="Cold", expires_in=-timedelta(hours=1))
    client.force_login(rep)

    assert [r["lead"].pk for r in client.get(reverse("leads"), {"tier": "Hot"}).context["rows"]] == [lead.pk]
    assert client.get(reverse("leads"), {"tier": "Cold"}).context["rows"] == []


def test_an_unknown_program_is_not_found_on_every_page(client, rep, ops, program):
    lead = make_lead(program, score=50, owner=rep)
    client.force_login(rep)
    assert client.get(reverse("leads"), {"program": "no-such-program"}).status_code == 404
    assert client.get(reverse("lead", args=[lead.pk]), {"program": "no-such-program"}).status_code == 404
    assert client.get(reverse("leads"), {"program": program.slug}).status_code == 200
    client.force_login(ops)
    for name in ("performance", "scoring-settings", "scoring-audit"):
        assert client.get(reverse(name), {"program": "no-such-program"}).status_code == 404, name


def test_feedback_without_a_verdict_is_refused_with_a_message(client, rep, program):
    lead = make_lead(program, score=50, owner=rep)
    client.force_login(rep)
    response = client.post(reverse("lead-feedback", args=[lead.pk]), {"verdict": "maybe"}, follow=True)
    assert "Choose “Good lead” or “Bad fit / junk”." in response.content.decode()
    assert not LeadFeedback.objects.filter(lead=lead).exists()
