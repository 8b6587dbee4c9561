"""One error shape for the whole API, whatever went wrong:

    {"error": {"code": "validation_error", "message": "...", "fields": {"email": ["Enter a valid email."]}}}

`fields` is present (possibly empty) on every error; it maps a field path to its messages.
"""

from __future__ import annotations

import logging
import sys

from django.core import exceptions as django_exceptions
from django.db import DataError, IntegrityError
from django.http import Http404, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import Conflict, PayloadTooLarge, ServiceUnavailable

logger = logging.getLogger(__name__)


CODES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}

# How long a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 10


def database_unavailable(exc: BaseException | None) -> bool:
    """Lost or refused database connections (not a bad query: those are ProgrammingError)."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_response(request):
    """503 with Retry-After: the JSON error for the API, a readable page (no database needed) elsewhere."""
    from django.http import HttpResponse

    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(503, ServiceUnavailable.default_detail), status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def error_body(status_code: int, message: str, fields: dict | None = None, code: str = "") -> dict:
    return {
        "error": {"code": code or CODES.get(status_code, "error"), "message": message, "fields": fields or {}}
    }


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for item in detail for message in _flatten(item)]
    return [str(detail)]


def field_errors(detail) -> dict:
    """DRF's nested error detail as {field path: [messages]}; list items are numbered (`events.3.kind`)."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            out.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in value)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if item:
                    walk(f"{prefix}.{index}" if prefix else str(index), item)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return out


def django_validation_error_as_api(error: django_exceptions.ValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {key: list(messages) for key, messages in error.message_dict.items()}
        )
    return exceptions.ValidationError({"non_field_errors": list(error.messages)})


def exception_handler(exc, context):
    """DRF's handler, then the body rewritten to the one error shape; domain errors mapped to statuses."""
    if isinstance(exc, django_exceptions.ValidationError):
        exc = django_validation_error_as_api(exc)
    elif isinstance(exc, Http404 | django_exceptions.ObjectDoesNotExist):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, IntegrityError):
        exc = Conflict("This would duplicate or break a record that already exists.")
    elif isinstance(exc, DataError | OverflowError):
        exc = exceptions.ValidationError({"non_field_errors": ["A value is out of range for its field."]})
    elif isinstance(exc, django_exceptions.RequestDataTooBig):
        exc = PayloadTooLarge()
    elif database_unavailable(exc):
        logger.warning("Database unavailable: %s", exc)
        exc = ServiceUnavailable()

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(error_body(500, "Something went wrong on our side; it has been logged."), status=500)

    detail = getattr(exc, "detail", None)
    code = ""
    if isinstance(exc, exceptions.ValidationError):
        fields = field_errors(detail)
        message = "; ".join(_flatten(detail))[:500] or "Invalid input."
    else:
        fields = {}
        message = str(detail) if detail is not None else response.status_text
        # DRF's own codes are stable identifiers (authentication_failed, parse_error, throttled...).
        if isinstance(detail, exceptions.ErrorDetail) and detail.code not in ("invalid", "error", None):
            code = str(detail.code)
    response.data = error_body(response.status_code, message, fields, code=code)
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@csrf_exempt
def json_not_found(request, exception=None):
    """handler404: JSON under /api/, Django's page elsewhere.

    CSRF-exempt: a PUT with a session cookie to a path that does not exist is a 404, not the CSRF
    middleware's HTML 403 (there is nothing here to protect)."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(404, "No such endpoint or object."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_server_error(request):
    # A middleware outside the view (sessions, auth) that lost the database lands here: still a 503.
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(500, "Something went wrong on our side; it has been logged."), status=500
        )
    from django.views.defaults import server_error

    return server_error(request)


def json_bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(400, str(exception) or "Bad request."), status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)
