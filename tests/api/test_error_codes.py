"""Wrong methods are 405, unknown filter values 400, and every path under /api/ answers JSON, in DEBUG too."""

import pytest

from .conftest import API, assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "score"), ("get", "batch-score"), ("delete", "leads"), ("patch", "events"), ("put", "score")],
)
def test_a_method_an_endpoint_lacks_is_405_whatever_the_role(clients, method, path):
    for name in ("ops", "rep", "compliance", "integration", "integration_ro"):
        response = getattr(clients[name], method)(API + path)
        error = assert_error(response, 405, "method_not_allowed")
        assert "needs one of" not in error["message"], (name, error)
        assert "Allow" in response


def test_anonymous_with_a_wrong_method_is_still_401(anonymous):
    assert_error(anonymous.get(API + "score"), 401)


def test_an_unknown_tier_is_400_naming_the_tiers(integration, live_model):
    error = assert_error(integration.get(API + "leads", {"tier": "Scorching"}), 400, "validation_error")
    assert "Scorching" in error["fields"]["tier"][0]
    assert "Hot" in error["fields"]["tier"][0]
    assert integration.get(API + "leads", {"tier": "Hot"}).status_code == 200


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path",
    ["leads/abc", "leads/1.5", "models/abc/train", "no-such-endpoint", "audit/nothing-here", ""],
)
def test_every_api_path_that_does_not_resolve_is_a_json_404(integration, settings, debug, path):
    settings.DEBUG = debug
    assert_error(integration.get(API + path), 404, "not_found")
    assert_error(integration.get("/api/v2/leads"), 404, "not_found")


@pytest.mark.parametrize(
    "query",
    [{"page": "-218"}, {"page": "0"}, {"page_size": "null"}, {"page_size": "501"}, {"page": ["1", "2"]}],
)
def test_a_bad_page_or_page_size_is_400_not_ignored(integration, query):
    error = assert_error(integration.get(API + "leads", query), 400, "validation_error")
    assert set(error["fields"]) <= {"page", "page_size"} and error["fields"]


def test_an_empty_date_parameter_is_400_not_the_default(integration):
    error = assert_error(integration.get(API + "performance", {"start": ""}), 400)
    assert list(error["fields"]) == ["start"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("leads", {"external_id": "X", "source_system": 0}, "source_system"),
        ("leads", {"external_id": "X", "budget": "1000"}, "budget"),
        ("leads", {"external_id": "X", "authority": "yes"}, "authority"),
        ("batch-score", {"lead_ids": [1], "all": 0}, "all"),
        ("score", {"lead_id": "7"}, "lead_id"),
    ],
)
def test_a_json_value_of_the_wrong_type_is_400_naming_the_field(integration, path, body, field):
    error = assert_error(integration.post(API + path, body, format="json"), 400, "validation_error")
    assert field in error["fields"], error


def test_a_session_write_without_the_csrf_token_is_a_json_403(ops_user):
    from rest_framework.test import APIClient

    session = APIClient(enforce_csrf_checks=True)
    session.force_login(ops_user)
    assert_error(session.put(API + "config", {}, format="json"), 403)
    # The catch-all 404 answers JSON whatever the method, CSRF token or not.
    assert_error(session.patch(API + "leads/%C2%84", {}, format="json"), 404, "not_found")
