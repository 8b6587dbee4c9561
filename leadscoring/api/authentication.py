"""Who is calling: an integration's API key (`Authorization: Api-Key <key>`), a DRF token or a session.

A key acts as its own service user (in the Integration group, no password), so the change history and
the personal-data access log name the integration; `request.auth` is the key, which carries its scope.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework_api_key.permissions import KeyParser

from config import roles
from leadscoring.models import IntegrationKey


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
        prefix, _, _ = raw_key.partition(".")
        key = (
            IntegrationKey.objects.get_usable_keys().select_related("user").filter(prefix=prefix[:8]).first()
        )
        if key is None or not key.is_valid(raw_key):
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        if key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if key.user is None:
            key.save()  # its service user was deleted: make a new one
        if not key.user.is_active:
            raise exceptions.AuthenticationFailed("This API key's service user is disabled.")
        # The key's role is fixed: skip the groups query roles.has_role would make.
        key.user._role_names = {roles.INTEGRATION}
        return key.user, key

    def authenticate_header(self, request) -> str:
        # A 401 (not a 403) for a missing credential needs a WWW-Authenticate challenge.
        return self.keyword


class IntegrationKeyScheme(OpenApiAuthenticationExtension):
    target_class = "leadscoring.api.authentication.IntegrationKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: a per-integration key made in the admin (scoped read-only or read-write).",
        }
