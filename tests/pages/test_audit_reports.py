"""audit.reports: the Audit page's data-quality, drift, bias and error reports, on hand-built books."""

import pytest
from django.urls import reverse

from audit import reports
from scoring.models import LeadFeedback
from tests.factories import make_lead

pytestmark = pytest.mark.django_db

SIGNALS = [{"key": "budget", "name": "Budget"}, {"key": "pricing_views_7d", "name": "Pricing page views"}]


def _levels(section):
    return {r["name"]: r["level"] for r in section["rows"]}


def test_data_quality_reads_what_training_recorded(live_model_row):
    live_model_row.signals = SIGNALS
    live_model_row.data_audit = {
        "n_closed": 400,
        "n_won": 80,
        "n_lost": 320,
        "base_rate": 0.2,
        "confidence": "adequate",
        "completeness": {"budget": 0.31, "pricing_views_7d": 1.0},
        "duplicates": {"rows": 3},
        "leakage_flagged": [{"signal": "tags", "reason": "AUC 0.92 on its own"}],
        "warnings": ["survivorship: only closed leads teach the model"],
    }
    section = reports.data_quality(live_model_row)
    levels = _levels(section)
    assert levels["Least complete signals"] == "watch" and levels["Leakage"] == "alert"
    assert levels["Duplicate rows"] == "watch" and section["level"] == "alert"
    texts = {r["name"]: r["text"] for r in section["rows"]}
    assert texts["Least complete signals"] == "Budget 31% filled"  # in the signal's own name
    assert "tags (AUC 0.92 on its own)" in texts["Leakage"]
    assert texts["Closed history"].startswith("400 leads: 80 won, 320 lost (win rate 20%)")
    live_model_row.data_audit = {}
    assert reports.data_quality(live_model_row)["rows"] == []


def _deciles():
    # Ten holdout deciles of ten leads each: scores 0-10, 10-20, ... 90-100.
    return [{"decile": 10 - k, "n": 10, "score_min": 10.0 * k, "score_max": 10.0 * k + 9} for k in range(10)]


def test_drift_is_the_psi_of_todays_scores_over_the_holdout_deciles(program, live_model_row):
    live_model_row.metrics = {**live_model_row.metrics, "lift_by_decile": _deciles()}
    for k in range(10):  # one lead in each decile: the holdout's own shape
        make_lead(program, score=10 * k + 5, model=live_model_row)
    section = reports.drift(live_model_row, program)
    psi_row = next(r for r in section["rows"] if r["name"] == "Score distribution (PSI)")
    assert psi_row["text"].startswith("0.000 over 10 leads") and psi_row["level"] == ""
    for _ in range(30):  # the book moves to the top decile
        make_lead(program, score=95, model=live_model_row)
    psi_row = next(
        r for r in reports.drift(live_model_row, program)["rows"] if r["name"].startswith("Score dist")
    )
    # 10 bins, 10 % expected each; now 31/40 in the top one and 1/40 in each of the others.
    expected = reports.psi([0.1] * 10, [1 / 40] * 9 + [31 / 40])
    assert psi_row["text"].startswith(f"{expected:.3f} over 40 leads") and psi_row["level"] == "alert"


def test_drift_flags_a_signal_filled_far_less_often_than_in_training(program, live_model_row):
    from scoring.models import ScoreSnapshot

    live_model_row.signals = SIGNALS
    live_model_row.data_audit = {"completeness": {"budget": 0.9, "pricing_views_7d": 1.0}}
    lead = make_lead(program, score=40, model=live_model_row)
    for n in range(5):
        ScoreSnapshot.objects.create(
            lead=lead,
            program=program,
            model=live_model_row,
            score=40,
            tier="Cool",
            trigger="event",
            inputs={"budget": None if n else 5000, "pricing_views_7d": n},
        )
    rows = {r["name"]: r for r in reports.drift(live_model_row, program)["rows"]}
    # 1 of 6 decisions had a budget (the lead's first, from make_lead, had no inputs at all).
    assert rows["Budget filled"]["text"] == "17% of recent decisions, 90% in training"
    assert rows["Budget filled"]["level"] == "watch" and "Pricing page views filled" not in rows


def _closed_book(program, model, country, *, n, qualified, wins):
    for i in range(n):
        make_lead(
            program,
            score=80 if i < qualified else 20,
            status="converted" if i >= n - wins else "lost",
            country=country,
            model=model,
        )


def test_bias_flags_a_country_qualified_less_though_it_wins_as_often(program, live_model_row):
    _closed_book(program, live_model_row, "Germany", n=30, qualified=15, wins=6)
    _closed_book(program, live_model_row, "France", n=30, qualified=3, wins=6)
    _closed_book(program, live_model_row, "Spain", n=10, qualified=0, wins=0)  # too few to judge
    section = reports.bias(live_model_row, program)
    assert [r["name"] for r in section["rows"] if r["name"].startswith("Country")] == ["Country: France"]
    row = section["rows"][0]
    assert row["level"] == "alert" and "ratio 0.20" in row["text"] and "do not explain" in row["text"]
    # 3 of 30 qualified: the Wilson 95 % interval is 3.5 %-25.6 %; against 15 of 30, p = 0.0006.
    assert "95 % CI 3%–26%, n=30" in row["text"] and "p=0.000" in row["text"]


def test_bias_reads_reps_and_chosen_attributes_and_calls_a_small_gap_not_significant(
    program, live_model_row, settings
):
    from tests.factories import make_user

    settings.BIAS_ATTRIBUTES = ["Lead Origin"]
    anna, ben = make_user("anna"), make_user("ben")
    for owner, origin, qualified in ((anna, "Form", 12), (ben, "API", 7)):
        for i in range(30):
            make_lead(
                program,
                score=80 if i < qualified else 20,
                status="converted" if i < 6 else "lost",
                owner=owner,
                attributes={"Lead Origin": origin},
                model=live_model_row,
            )
    rows = {r["name"]: r for r in reports.bias(live_model_row, program)["rows"]}
    # 7/30 vs 12/30: ratio 0.58 under four fifths, the same wins, but a z-test p of 0.16.
    assert rows["Rep: ben"]["level"] == "watch" and "not significant" in rows["Rep: ben"]["text"]
    assert "ratio 0.58" in rows["Lead Origin: API"]["text"]


def test_bias_does_not_alert_when_the_outcomes_explain_the_gap(program, live_model_row):
    _closed_book(program, live_model_row, "Germany", n=30, qualified=15, wins=9)
    _closed_book(program, live_model_row, "France", n=30, qualified=3, wins=1)
    section = reports.bias(live_model_row, program)
    assert section["level"] == "" and "it also wins less" in section["rows"][0]["text"]


def test_errors_report_the_holdout_and_what_reps_flagged(program, rep, live_model_row):
    live_model_row.metrics = {
        **live_model_row.metrics,
        "n_test": 150,
        "tiers": {
            "hot": {"name": "Hot", "fp": 7, "fn": 21, "precision": 0.53, "recall": 0.28},
            "warm": {"name": "Warm", "fp": 31, "fn": 12, "precision": 0.35, "recall": 0.59},
        },
    }
    junk = make_lead(program, score=85, model=live_model_row)
    missed = make_lead(program, score=10, model=live_model_row)
    agreed = make_lead(program, score=90, model=live_model_row)
    LeadFeedback.objects.create(lead=junk, user=rep, verdict="bad_fit", reason="student")
    LeadFeedback.objects.create(lead=missed, user=rep, verdict="good", reason="asked for a quote")
    LeadFeedback.objects.create(lead=agreed, user=rep, verdict="good", reason="budget confirmed")
    rows = {r["name"]: r["text"] for r in reports.errors(live_model_row, program)["rows"]}
    assert rows["Hot or better, holdout"].startswith("7 false positives (flagged, lost), 21 false negatives")
    assert rows["Reported by reps"] == (
        "3 leads judged: 1 'bad fit' scored 50+, 1 'good lead' scored under 50 (67% disagree with the model)"
    )


def test_the_audit_page_shows_the_four_reports_with_their_levels(client, compliance, program, live_model_row):
    live_model_row.data_audit = {"n_closed": 10, "n_won": 2, "n_lost": 8, "leakage_flagged": ["tags"]}
    live_model_row.save()
    client.force_login(compliance)
    page = client.get(reverse("scoring-audit"))
    body = page.content.decode()
    assert [s["key"] for s in page.context["sections"]] == ["data_quality", "drift", "bias", "errors"]
    assert "flagged: tags" in body and '<span class="badge bad">Alert</span>' in body
    assert "Based on the closed history v1 was trained on." in body
