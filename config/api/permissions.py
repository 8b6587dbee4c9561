"""Roles per DESIGN.md, checked on every endpoint.

Each view names the roles that may read (safe methods) and the roles that may write. An integration key
scoped read-only is refused every write whatever its role list says. Superusers pass every check.
"""

from __future__ import annotations

from rest_framework import permissions

from config import roles

from .caller import integration_key_of

READERS_ALL = (roles.OPS, roles.REP, roles.COMPLIANCE, roles.INTEGRATION)
READERS_STAFF = (roles.OPS, roles.COMPLIANCE, roles.INTEGRATION)
WRITERS_DATA = (roles.OPS, roles.INTEGRATION)
WRITERS_CONFIG = (roles.OPS,)


class RolePermission(permissions.BasePermission):
    """Reads need one of `view.read_roles`; writes need one of `view.write_roles` (and a read-write key)."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        if not _handles(view, request.method):
            # Let the view answer 405: a method it lacks is not a question of role.
            return True
        if request.method in permissions.SAFE_METHODS:
            allowed = getattr(view, "read_roles", ())
        else:
            allowed = getattr(view, "write_roles", ())
            key = integration_key_of(request)
            if key is not None and not key.can_write:
                self.message = "This API key is scoped read-only."
                return False
        if not roles.has_role(user, *allowed):
            self.message = f"Your role does not allow this; it needs one of: {', '.join(allowed) or 'none'}."
            return False
        return True


def _handles(view, method: str) -> bool:
    name = method.lower()
    return name in getattr(view, "http_method_names", ()) and hasattr(view, name)
