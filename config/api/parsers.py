"""JSON in, with the body size bounded and text the database can store."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from .exceptions import PayloadTooLarge

MAX_DEPTH = 20


def _check_text(value, depth: int = 0) -> None:
    """Refuse what would only fail later in the database: NUL characters, lone surrogates, deep nesting."""
    if depth > MAX_DEPTH:
        raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, str):
        if "\x00" in value:
            raise exceptions.ParseError("Text may not contain NUL (\\u0000) characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise exceptions.ParseError("Text must be valid Unicode (no lone surrogates).") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, depth + 1)
            _check_text(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_text(item, depth + 1)


class BoundedJSONParser(JSONParser):
    """Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE answer 413 (DRF reads the stream without Django's check)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        try:
            if limit is not None and declared and int(declared) > limit:
                raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        except ValueError:
            raise exceptions.ParseError("Invalid Content-Length.") from None
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise exceptions.ParseError(f"JSON parse error: {error}"[:300]) from None
        _check_text(data)
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
