"""What a server refuses to start without when DEBUG is off."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50


def insecure_start_refused() -> None:
    """Raise unless the key is real: sessions, CSRF tokens and password-reset links are signed with it,
    and the development key is published in the repository."""
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return
    key = settings.SECRET_KEY
    if key == getattr(settings, "DEV_SECRET_KEY", None) or len(key) < MIN_SECRET_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"SECRET_KEY is unset or too short (at least {MIN_SECRET_KEY_LENGTH} characters) while DEBUG is "
            "off. Set it in the environment or .env, e.g. "
            "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for development."
        )
