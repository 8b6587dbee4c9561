"""Who is calling: an integration's API key (`Authorization: Api-Key <key>`), a DRF token or a session."""

from __future__ import annotations

from dataclasses import dataclass, field

from rest_framework import authentication, exceptions
from rest_framework_api_key.permissions import KeyParser

from leadscoring import roles
from leadscoring.models import IntegrationKey


@dataclass
class IntegrationPrincipal:
    """The caller behind an API key: the Integration role, scoped by its key, and no Django user."""

    key: IntegrationKey
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    is_staff: bool = False
    is_anonymous: bool = False
    pk: None = None
    id: None = None
    # roles.has_role reads this cache before touching user.groups.
    _role_names: set[str] = field(default_factory=lambda: {roles.INTEGRATION})

    @property
    def username(self) -> str:
        return f"integration:{self.key.name}"

    @property
    def can_write(self) -> bool:
        return self.key.can_write

    def __str__(self) -> str:
        return self.username


class IntegrationKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates a revocable, expiring integration key; its scope is enforced by the permissions."""

    keyword = "Api-Key"
    key_parser = KeyParser()

    def authenticate(self, request):
        raw_key = self.key_parser.get(request)
        if raw_key is None:
            return None
        raw_key = raw_key.strip()
        if not raw_key or len(raw_key) > 200:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        try:
            key = IntegrationKey.objects.get_from_key(raw_key)
        except IntegrationKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        return IntegrationPrincipal(key=key), key

    def authenticate_header(self, request) -> str:
        # A 401 (not a 403) for a missing credential needs a WWW-Authenticate challenge.
        return self.keyword


def integration_key_of(request) -> IntegrationKey | None:
    return request.auth if isinstance(request.auth, IntegrationKey) else None


def actor_of(request):
    """The Django user to record as the actor of a change (None for an integration key)."""
    user = request.user
    return None if isinstance(user, IntegrationPrincipal) or not user.is_authenticated else user
