"""Every error is JSON in one shape with the right status, whatever the input: never a 500, never HTML."""

import json

import pytest

from leadscoring.models import Lead

from .conftest import API, LeadFactory, assert_error

pytestmark = pytest.mark.django_db


def post_raw(client, path, body: bytes, content_type="application/json"):
    return client.generic("POST", API + path, body, content_type=content_type)


def test_malformed_json_is_400(integration):
    error = assert_error(post_raw(integration, "leads", b'{"external_id": "X",'), 400, "parse_error")
    assert "JSON" in error["message"]


def test_nan_and_infinity_are_not_json(integration):
    assert_error(post_raw(integration, "score", b'{"lead": {"budget": NaN}}'), 400, "parse_error")


def test_wrong_content_type_is_415(integration):
    response = post_raw(integration, "leads", b"external_id=X", "application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")
    assert_error(post_raw(integration, "leads", b"<lead/>", "text/xml"), 415)


def test_a_body_over_the_limit_is_413(integration, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"external_id": "X", "attributes": {"notes": "x" * 2000}}).encode()
    assert_error(post_raw(integration, "leads", body), 413, "payload_too_large")
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b'{"external_id": "X", "timeline_days": 123456789012345678901234567890}',
        b'{"external_id": "X", "owner_id": 99999999999999999999999}',
        b'{"external_id": "X", "budget": 1e400}',
        b'{"external_id": "X", "revenue": -1}',
    ],
)
def test_huge_and_out_of_range_numbers_are_field_errors(integration, body):
    error = assert_error(post_raw(integration, "leads", body), 400, "validation_error")
    assert error["fields"]


def test_a_huge_int_beyond_python_s_digit_limit_is_a_parse_error(integration):
    assert_error(post_raw(integration, "leads", b'{"timeline_days": ' + b"9" * 5000 + b"}"), 400)


@pytest.mark.parametrize(
    "body",
    [
        '{"external_id": "X\\u0000Y"}',
        '{"external_id": "X", "attributes": {"k": "\\u0000"}}',
        '{"external_id": "\\ud800"}',
    ],
)
def test_nul_and_lone_surrogates_are_refused(integration, body):
    assert_error(post_raw(integration, "leads", body.encode()), 400)
    assert not Lead.objects.exists()


def test_unicode_is_stored_intact(integration):
    body = {"external_id": "ü-✓-🦄", "first_name": "Zoë", "attributes": {"note": "東京"}}
    assert integration.post(API + "leads", body, format="json").status_code == 201
    assert Lead.objects.get().attributes == {"note": "東京"}


def test_invalid_utf8_is_400(integration):
    assert_error(post_raw(integration, "leads", b'{"external_id": "\xff\xfe"}'), 400)


def test_a_list_where_an_object_is_expected_is_400(integration):
    assert_error(integration.post(API + "leads", [1, 2], format="json"), 400)
    assert_error(integration.post(API + "score", "just text", format="json"), 400)


def test_deeply_nested_json_is_400(integration):
    body = ('{"external_id": "X", "attributes": ' + '{"a": ' * 50 + "1" + "}" * 50 + "}").encode()
    assert_error(post_raw(integration, "leads", body), 400)


def test_unknown_endpoint_and_method_are_json(integration):
    assert_error(integration.get(API + "no-such-thing"), 404, "not_found")
    assert_error(integration.get("/api/nothing/here"), 404)
    assert_error(integration.delete(API + "leads"), 405, "method_not_allowed")


def test_asking_for_html_still_answers_json(ops):
    response = ops.get(API + "leads/12345", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("application/json")
    assert response.status_code in (404, 406)


def test_duplicate_signal_key_is_a_409_conflict_not_a_500(ops):
    first = {"key": "case_studies", "name": "Case studies", "dimension": "engagement"}
    first |= {"value_type": "numerical", "source": "event", "event_kind": "content_download"}
    assert ops.post(API + "features", first, format="json").status_code == 201
    error = assert_error(ops.post(API + "features", first, format="json"), 409, "conflict")
    assert "case_studies" in error["message"]


def test_upsert_race_conflict_is_json(integration, monkeypatch):
    from django.db import IntegrityError

    from leadscoring import services

    def clash(**kwargs):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(services, "lead_upsert", clash)
    assert_error(integration.post(API + "leads", {"external_id": "X"}, format="json"), 409, "conflict")


def test_an_unexpected_error_is_a_json_500_never_html(integration, monkeypatch):
    from leadscoring import services

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "lead_upsert", broken)
    error = assert_error(integration.post(API + "leads", {"external_id": "X"}, format="json"), 500)
    assert "boom" not in error["message"]


def test_event_properties_must_be_an_object(integration):
    lead = LeadFactory()
    payload = {"lead_id": lead.pk, "kind": "chat", "occurred_at": "2026-01-01T00:00:00Z", "external_id": "c1"}
    error = assert_error(integration.post(API + "events", {**payload, "properties": [1]}, format="json"), 400)
    assert "properties" in error["fields"]
