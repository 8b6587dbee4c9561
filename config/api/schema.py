"""OpenAPI: the one error shape, documented on every operation with the statuses it can answer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "validation_error"},
                "message": {"type": "string", "example": "email: Enter a valid email address."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "example": {"email": ["Enter a valid email address."]},
                },
            },
        }
    },
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: malformed JSON or a field failed validation (details in `error.fields`).",
    "401": "No credential, or an invalid, revoked or expired one.",
    "403": "Your role (or a read-only key) does not allow this.",
    "404": "No such object.",
    "405": "Method not allowed.",
    "406": "Only application/json is served.",
    "409": "Conflicts with the current state (duplicate, or a refused deploy).",
    "413": "The body is over the size limit, or a list is over its item limit.",
    "415": "Only application/json bodies are accepted.",
    "429": "Too many requests for this key or user; retry after `Retry-After` seconds.",
}

ALWAYS = ("400", "401", "403", "404", "405", "406", "429")
WITH_BODY = ("409", "413", "415")


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: every API operation documents the error statuses in the one error shape."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, methods in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            statuses = ALWAYS + (WITH_BODY if method in {"post", "put", "patch"} else ())
            responses = operation.setdefault("responses", {})
            for code in statuses:
                responses.setdefault(
                    code,
                    {
                        "description": ERROR_DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result


def example(
    name: str, value, *, request: bool = False, status_codes=None, summary: str = ""
) -> OpenApiExample:
    return OpenApiExample(
        name,
        value=value,
        request_only=request,
        response_only=not request,
        status_codes=status_codes,
        summary=summary,
    )
