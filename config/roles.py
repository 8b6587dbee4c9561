"""Roles are Django groups; superusers pass every check."""

OPS = "Ops"
REP = "Rep"
COMPLIANCE = "Compliance"
INTEGRATION = "Integration"
ALL_ROLES = (OPS, REP, COMPLIANCE, INTEGRATION)


def has_role(user, *roles: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return bool(names.intersection(roles))


def is_ops(user) -> bool:
    return has_role(user, OPS)


def is_rep(user) -> bool:
    return has_role(user, REP)


def is_compliance(user) -> bool:
    return has_role(user, COMPLIANCE)


def is_integration(user) -> bool:
    return has_role(user, INTEGRATION)
