import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from scoring.engine.contracts import Metrics
from scoring.engine.report import SECTIONS, ModelDocument, render_report, score_distribution
from scoring.engine.thresholds import Cutoffs, tier_cutoffs
from scoring.engine.validation import error_cases, validate


def section(markdown: str, title: str) -> str:
    """The text of one numbered section, up to the next one."""
    match = re.search(rf"^## \d+\. {re.escape(title)}\n(.*?)(?=^## \d+\. |\Z)", markdown, re.S | re.M)
    assert match, f"no section {title!r}"
    return match.group(1)


@pytest.fixture(scope="module")
def full_document() -> ModelDocument:
    rng = np.random.default_rng(0)
    won = np.r_[np.ones(300), np.zeros(700)].astype(int)
    scores = np.clip(np.r_[rng.normal(65, 15, 300), rng.normal(35, 15, 700)], 0, 100)
    probability = scores / 100
    cutoffs = tier_cutoffs(scores, won)
    validation = validate(won, probability, scores, cutoffs, n_boot=100)
    holdout = pd.DataFrame(index=[f"H{i}" for i in range(1000)])
    pricing = {"signal": "Pricing page visits", "label": "Visited pricing 3 times", "points": 12.0}
    cases = error_cases(holdout, won, scores, k=3, explanations=[[pricing]] * 1000)
    current = pd.DataFrame({"id": ["A", "B", "C", "D", "E"], "score": [91.0, 12.0, 97.5, 55.0, 80.0]})
    current["tier"] = Cutoffs(hot=70, warm=50, cool=30).tier_of(current["score"])
    current["top_factors"] = [[pricing]] * 5
    return ModelDocument(
        version="7",
        created=dt.date(2025, 3, 1),
        model_name="Inbound leads",
        model_kind="points",
        outcome="Converted = 1 within 90 days",
        n_rows=9240,
        n_won=3561,
        n_lost=5679,
        confidence="high: 9,240 closed deals",
        audit={
            "leakage": [
                {
                    "column": "Tags",
                    "reason": "alone separates won from lost",
                    "single_column_auc": 0.95,
                    "source": "data",
                }
            ],
            "completeness": {"Country": 0.73, "Lead Source": 0.996},
            "duplicates": {"rows": 0, "ids": 0},
        },
        analysis={
            "signals": [
                {
                    "attribute": "Lead Origin",
                    "value": "Lead Add Form",
                    "n": 718,
                    "won": 667,
                    "win_rate": 0.929,
                    "lift": 2.41,
                    "p_adjusted": 1e-30,
                    "significant": True,
                    "ci_low": 0.909,
                    "ci_high": 0.945,
                },
                {
                    "attribute": "Do Not Email",
                    "value": "Yes",
                    "n": 734,
                    "won": 118,
                    "win_rate": 0.161,
                    "lift": 0.42,
                    "p_adjusted": 1e-20,
                    "significant": True,
                },
            ],  # fmt: skip
            "non_predictors": ["Newspaper Article"],
        },
        points={
            "base": 20.0,
            "caps": {"intent": 30.0},
            "signals": [
                {
                    "signal": "Lead Origin",
                    "dimension": "intent",
                    "bin": "Lead Add Form",
                    "points": 25.0,
                    "n": 718,
                    "win_rate": 0.77,
                    "woe": 1.9,
                },
            ],  # fmt: skip
            "dropped": {"Newspaper Article": "information value 0.001 < 0.02: does not predict"},
        },
        validation=validation,
        cutoffs=cutoffs.to_dict(),
        error_cases=cases,
        score_distribution=score_distribution(scores, won),
        field_mapping={
            "outcome": {"column": "Converted", "won": ["1"]},
            "id": "Prospect ID",
            "fields": {"source": "Lead Source"},
            "post_outcome": ["Tags"],
        },  # fmt: skip
        scored=current,
        unscoreable=[{"id": "Z9", "reason": "no signal could be evaluated"}],
        version_history=[{"version": "6", "date": "2024-12-01", "model": "points", "auc": 0.85}],
    )


def test_every_section_heading_appears_in_order(full_document):
    markdown = render_report(full_document)
    headings = re.findall(r"^## \d+\. (.+)$", markdown, re.M)
    assert headings == list(SECTIONS)
    assert markdown.startswith("# Lead scoring model: Inbound leads, version 7")


def test_an_empty_document_renders_and_says_what_is_missing():
    markdown = render_report(ModelDocument())
    assert re.findall(r"^## \d+\. (.+)$", markdown, re.M) == list(SECTIONS)
    assert "Not available" in section(markdown, "Validation results")
    assert "Not available" in section(markdown, "Win/loss patterns")
    assert "Not available" in section(markdown, "Batch scoring of current leads")


def test_header_states_data_basis_base_rate_and_next_recalibration(full_document):
    markdown = render_report(full_document)
    # 3,561 won of 9,240 = 38.54 %; next recalibration = 2025-03-01 + 90 days = 2025-05-30.
    assert "| **Base rate** | 38.5 % |" in markdown
    assert "9,240 closed leads (3,561 won, 5,679 lost)" in markdown
    assert "| **Next recalibration** | 2025-05-30 |" in markdown


def test_default_tiers_carry_sla_action_and_cadence(full_document):
    text = section(render_report(full_document), "SLA and recommended action per tier")
    # The defaults ops staff start from (scoring.defaults): SLA hours, action and cadence days per tier.
    assert "| Hot | Respond within 1 hour | Call now: respond within 1 business hour | Daily |" in text
    assert "| Warm | Respond within 24 hours | Personal email and call the same day | Every 3 days |" in text
    assert "| Cool | Respond within 72 hours | Add to a nurture sequence; review weekly | Weekly |" in text
    assert "| Cold | No rep SLA | Marketing nurture only | Monthly |" in text


def test_automation_rules_state_only_what_the_product_does(full_document):
    text = section(render_report(full_document), "CRM field mapping and automation rules")
    assert "Entering Hot starts its SLA clock (Respond within 1 hour)" in text
    assert not re.search(r"webhook|e-mail|notif|retried|backoff|assigned by", text, re.I)


def test_each_point_value_shows_its_lift_basis(full_document):
    text = section(render_report(full_document), "The scoring model")
    # Band win rate 77 % against the base rate 38.54 %: lift 0.77 / 0.3854 = 2.00.
    assert "| `Lead Origin` | Lead Add Form | +25.0 | 718 | 77.0 % | 2.00 | 1.900 |" in text
    assert "#### Intent (cap 30.0 points)" in text
    assert "`Newspaper Article`" in text


def test_validation_section_holds_gates_confusion_and_error_cases(full_document):
    text = section(render_report(full_document), "Validation results")
    matrix = full_document.validation.confusion["hot"]
    assert f"| **Won** | {matrix['tp']:,} | {matrix['fn']:,} |" in text
    assert f"| **Lost** | {matrix['fp']:,} | {matrix['tn']:,} |" in text
    assert "| ROC AUC |" in text and "| Hot precision |" in text
    assert "**False positives**" in text and "Visited pricing 3 times (+12.0)" in text


def test_batch_scoring_ranks_each_tier_and_lists_unscoreable_leads(full_document):
    text = section(render_report(full_document), "Batch scoring of current leads")
    # Hot (>= 70): C 97.5, A 91.0, E 80.0 in that order; B (12) is Cold.
    hot = text.split("### Hot leads")[1].split("###")[0]
    assert re.findall(r"^\| \d \| (\w) \|", hot, re.M) == ["C", "A", "E"]
    assert "| 1 | C | 97.5 | Visited pricing 3 times (+12.0) |" in hot
    assert "| Z9 | no signal could be evaluated |" in text
    assert "5 current leads scored: Hot 3, Warm 1, Cool 0, Cold 1." in text


def test_histogram_bars_count_the_scores_in_each_band(full_document):
    text = section(render_report(full_document), "Batch scoring of current leads")
    # Scores 91, 97.5 fall in 90-100; 12 in 10-20; 55 in 50-60; 80 in 80-90.
    assert re.search(r"90-100 \| #+ +2$", text, re.M)
    assert re.search(r"10-20\s+\| #+ +1$", text, re.M)
    assert re.search(r"20-30\s+\| +0$", text, re.M)


def test_leakage_and_version_history_are_reported(full_document):
    markdown = render_report(full_document)
    assert "| `Tags` | leakage | the data | alone separates won from lost | 0.950 | no |" in section(
        markdown, "Data foundation and limitations"
    )
    history = section(markdown, "Version history")
    assert "| 6 | 2024-12-01 | points | 0.850 |" in history
    assert "| 7 | 2025-03-01 | points |" in history


def test_renamed_tiers_keep_their_positions_sla():
    cutoffs = Cutoffs(hot=70, warm=50, cool=30, names=("A", "B", "C", "D")).to_dict()
    text = section(render_report(ModelDocument(cutoffs=cutoffs)), "SLA and recommended action per tier")
    assert "| A | Respond within 1 hour |" in text
    assert "| D | No rep SLA | Marketing nurture only" in text


def test_table_cells_escape_pipes():
    scored = pd.DataFrame({"id": ["x|y"], "score": [80.0], "tier": ["Hot"]})
    markdown = render_report(
        ModelDocument(scored=scored, cutoffs=Cutoffs(hot=70, warm=50, cool=30).to_dict())
    )
    assert "| 1 | x\\|y | 80.0 |" in markdown


def test_a_lead_without_a_score_is_listed_as_unscoreable_not_ranked():
    scored = pd.DataFrame({"id": ["A", "B"], "score": [80.0, np.nan], "tier": ["Hot", ""]})
    doc = ModelDocument(scored=scored, cutoffs=Cutoffs(hot=70, warm=50, cool=30).to_dict())
    text = section(render_report(doc), "Batch scoring of current leads")
    assert "1 current leads scored: Hot 1, Warm 0, Cool 0, Cold 0." in text
    assert "| B | no score: too little data to evaluate |" in text


def test_error_cases_name_the_signals_that_most_often_misled_the_score():
    up = [{"signal": "Lead Source", "label": "Lead Source is Reference", "points": 10.0}]
    cases = {
        "false_positives": [
            {"id": "a", "score": 90.0, "drivers": up + [{"signal": "Country", "label": "x", "points": 2.0}]},
            {"id": "b", "score": 85.0, "drivers": [{"signal": "Lead Source", "label": "y", "points": 6.0}]},
        ]
    }
    text = section(
        render_report(ModelDocument(validation=Metrics(auc=0.8), error_cases=cases)), "Validation results"
    )
    # Lead Source pushed both lost leads up: (10 + 6) / 2 = +8.0 on average; Country only one of them.
    assert "most often pushed up by `Lead Source` (2 of 2, +8.0 on average); `Country` (1 of 2, +2.0" in text
