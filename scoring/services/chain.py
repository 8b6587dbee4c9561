"""What a decision's content is, for the hash chain: ONE function, `decision_digest`.

Every decision row carries the sha256 of its canonical content, computed when it is written (in the
same COPY or bulk_create, so writers stay parallel and pay one hash per row). The chain links that
tie each row to the one before it are appended afterwards by the audit layer's sealer, in the order
rows became visible, so no writer holds a lock from "read the last hash" to its commit
(docs/compliance.md). A change of the decision columns edits `DIGEST_COLUMNS` in decisions.py only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

from django.utils import timezone


def _canonical(value):
    # JSONB (PostgreSQL) keeps numbers as numeric: 1e20 comes back as an int, 3.0 as 3.0. Both spellings
    # of one number must digest alike, so every number is read as a float; bools stay bools.
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return str(value)


def decision_digest(fields: Mapping) -> str:
    """sha256 (hex) of a decision's columns, given as {column: value} (the DIGEST_COLUMNS of decisions.py)."""
    text = json.dumps(_canonical(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def link_digest(*, previous: str, snapshot_id: int, content_sha256: str) -> str:
    """A chain link: the previous link, this row's id and its content digest, hashed together."""
    return hashlib.sha256(f"{previous}:{snapshot_id}:{content_sha256}".encode()).hexdigest()
