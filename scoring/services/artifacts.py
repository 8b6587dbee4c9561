"""Model artifacts: written and read by our own code only, checked against the sha256 on the version."""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path

import joblib
from django.conf import settings


class ArtifactTampered(RuntimeError):
    """The file on disk is not the one the version recorded: refuse to unpickle it."""


def artifact_save(*, scorer, program_slug: str, version: int) -> tuple[str, str]:
    """Write a fitted engine scorer; returns (path, sha256)."""
    buffer = io.BytesIO()
    joblib.dump(scorer, buffer, compress=3)
    payload = buffer.getvalue()
    digest = hashlib.sha256(payload).hexdigest()
    directory = Path(settings.MODEL_ARTIFACT_DIR) / program_slug
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"v{version}-{digest[:12]}.joblib"
    path.write_bytes(payload)
    return str(path), digest


@lru_cache(maxsize=16)
def artifact_load(path: str, sha256: str):
    """Load a scorer after checking its sha256; cached per (path, sha256) for the process."""
    payload = Path(path).read_bytes()
    if hashlib.sha256(payload).hexdigest() != sha256:
        raise ArtifactTampered(f"artifact {path} does not match its recorded sha256")
    return joblib.load(io.BytesIO(payload))
