"""Inline scoring checks every value against its signal: type, validation rules, and that it is a signal."""

import pytest

from scoring.models import Signal

from .conftest import API, assert_error

pytestmark = pytest.mark.django_db


def score(client, lead):
    return client.post(API + "score", {"lead": lead}, format="json")


def test_a_word_in_a_numeric_signal_is_400_naming_field_and_reason(integration, live_model):
    error = assert_error(score(integration, {"employee_count": "ten"}), 400, "validation_error")
    assert list(error["fields"]) == ["lead.employee_count"]
    assert "Expected a number" in error["fields"]["lead.employee_count"][0]
    assert "'ten'" in error["fields"]["lead.employee_count"][0]


def test_an_unknown_field_is_refused_never_silently_scored(integration, live_model):
    error = assert_error(score(integration, {"industry": "Software", "Region": "EMEA"}), 400)
    assert list(error["fields"]) == ["lead.Region"]
    assert "Not a signal" in error["fields"]["lead.Region"][0]
    assert "region" in error["fields"]["lead.Region"][0]


def test_types_and_rules_of_each_signal(integration, live_model):
    Signal.objects.filter(key="employee_count").update(validation_rules={"min": 1, "max": 1_000_000})
    bad = {
        "employee_count": 0,
        "authority": "false",
        "industry": 12,
        "demo_requests_90d": -3,
    }
    error = assert_error(score(integration, bad), 400)
    fields = error["fields"]
    assert set(fields) == {f"lead.{key}" for key in bad}
    assert "below the signal's minimum of 1" in fields["lead.employee_count"][0]
    assert "true or false" in fields["lead.authority"][0]
    assert "Expected text" in fields["lead.industry"][0]
    assert "minimum of 0" in fields["lead.demo_requests_90d"][0]


def test_valid_values_still_score(integration, live_model):
    good = {"employee_count": "250", "authority": True, "industry": "Software", "budget": None}
    response = score(integration, good)
    assert response.status_code == 200, response.content
    assert response.json()["stored"] is False


def test_batch_inline_reports_the_bad_value_per_item(integration, live_model):
    leads = [{"employee_count": "ten"}, {"employee_count": 10}, {"nonsense": 1}]
    body = integration.post(API + "batch-score", {"leads": leads}, format="json").json()
    assert [r["ok"] for r in body["results"]] == [False, True, False]
    assert "Expected a number" in body["results"][0]["errors"]["lead.employee_count"][0]
    assert "Not a signal" in body["results"][2]["errors"]["lead.nonsense"][0]
