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
