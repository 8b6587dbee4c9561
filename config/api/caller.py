"""Who is calling, without importing the app that stores integration keys.

An integration key model marks itself with `is_integration_key = True`; sessions carry no
such mark. So the shared plumbing (permissions, throttles, the access log) can tell a key from a person.
"""

from __future__ import annotations


def integration_key_of(request):
    """The integration key that authenticated the request, or None."""
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_integration_key", False) else None


def actor_of(request):
    """The user to record as the actor of a change (a key's service user for integrations)."""
    user = request.user
    return user if getattr(user, "is_authenticated", False) else None
