"""What a decision's content is, for the hash chain: ONE function, `decision_digest`.

Every decision row carries the sha256 of its canonical content, computed when it is written (in the
same COPY or bulk_create, so writers stay parallel). The chain links that tie each row to the one before
it are appended afterwards by the audit layer's sealer, in the order rows became visible, so no writer
holds a lock from "read the last hash" to its commit (docs/compliance.md). A change of the decision
columns edits `DIGEST_COLUMNS` in decisions.py only.

Cheap on purpose: the COPY writer already turns each JSON column into text; it makes that text with
`json_text` (sorted keys, no spaces), sends it to the database and hands the same strings to the digest,
so a decision costs one sha256 more than before. Every number digests as a float (`50` and `50.0` alike),
datetimes as UTC ISO text with microseconds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

from django.utils import timezone

# JSONB spells a float of 1e16 or more without an exponent, so it reads back as an int.
_BIG = 1e16


def json_text(value) -> str:
    """A JSON column's canonical text: what the writer sends and what the digest covers.

    json, not orjson: a JSONB float of 1e16 or more reads back as an integer past 64 bits, which orjson
    refuses, and verify must digest what it reads back exactly as the writer did."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _floated(value):
    if isinstance(value, dict):
        return {k: _floated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floated(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _BIG:
        return float(value)
    return value


def json_text_as_written(value) -> str:
    """`json_text` of a JSON value read back from PostgreSQL, with JSONB's exponent-less big floats
    restored (verify tries this when the plain text does not match)."""
    return json_text(_floated(value))


def decision_digest(fields: Mapping, *, texts: Mapping[str, str] | None = None) -> str:
    """sha256 (hex) of a decision's columns, given in DIGEST_COLUMNS order as {column: value}.

    texts: the canonical JSON text of JSON columns the caller already made (`json_text`)."""
    texts = texts or {}
    parts = []
    for name, value in fields.items():
        if name in texts:
            parts.append(texts[name])
        elif isinstance(value, dict | list):
            parts.append(json_text(value))
        elif value is None:
            parts.append(None)
        elif isinstance(value, bool):
            parts.append("true" if value else "false")
        elif isinstance(value, str):
            parts.append(value)
        elif isinstance(value, int | float):
            parts.append(repr(float(value)))
        elif isinstance(value, datetime):
            if timezone.is_naive(value):
                value = timezone.make_aware(value, timezone.get_default_timezone())
            parts.append(value.astimezone(UTC).isoformat(timespec="microseconds"))
        else:
            parts.append(str(value))
    # Each part framed by its length (None as "~"): unambiguous, and no re-escaping of the JSON texts.
    framed = "".join("~" if p is None else f"{len(p)}:{p}" for p in parts)
    return hashlib.sha256(framed.encode()).hexdigest()


def link_digest(*, previous: str, snapshot_id: int, content_sha256: str) -> str:
    """A chain link: the previous link, this row's id and its content digest, hashed together."""
    return hashlib.sha256(f"{previous}:{snapshot_id}:{content_sha256}".encode()).hexdigest()
