"""Page plumbing every app's pages share: the role check and the navigation a role sees."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from config.roles import is_compliance, is_ops, is_rep


def nav_for(user, active: str) -> dict:
    """What the top navigation shows to this user's roles."""
    ops, rep, compliance = is_ops(user), is_rep(user), is_compliance(user)
    role = "Superuser" if user.is_superuser else ("Ops" if ops else ("Compliance" if compliance else "Rep"))
    return {
        "active": active,
        # Lead pages are the lead's rep's and ops' (README); compliance reads decisions on the audit page.
        "leads": ops or rep,
        "rep_only": rep and not (ops or compliance),
        "performance": ops or compliance,
        "settings": ops,
        "audit": ops or compliance,
        "admin": user.is_staff,
        "role_label": role if (ops or rep or compliance) else "",
    }


def role_required(*checks):
    """Log in first; then refuse (403) anyone whose roles pass none of `checks`."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not any(check(request.user) for check in checks):
                raise PermissionDenied("Your role does not include this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
