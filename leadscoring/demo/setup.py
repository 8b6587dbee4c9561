"""First-run setup of a demo site: data, roles, an admin and rep logins. Safe to run again."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from config.roles import ALL_ROLES, REP
from leadscoring.demo.loader import LoadStats, demo_load
from leadscoring.demo.process import DEFAULT_LEADS, demo_reps
from leadscoring.models import Lead, Rep

# Documented defaults (README): a demo on a laptop, never a deployment. Override from the environment.
DEFAULT_ADMIN_USERNAME = "admin"
DEFAULT_ADMIN_PASSWORD = "admin"
DEFAULT_REP_PASSWORD = "rep"
DEMO_REP_LOGINS = 5


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    # False when someone changed the password since setup: the printed one no longer works.
    password_works: bool = True


@dataclass
class DemoSetup:
    loaded: LoadStats | None = None
    lead_count: int = 0
    groups_created: list[str] = field(default_factory=list)
    logins: list[Login] = field(default_factory=list)


def demo_setup(*, leads: int = DEFAULT_LEADS, seed: int = 0) -> DemoSetup:
    """Load the demo if there are no leads at all, then make sure the roles and the logins exist.

    Idempotent: a second run loads nothing, creates nothing, changes no password and reports the
    same logins. Passwords come from DEMO_ADMIN_PASSWORD / DEMO_REP_PASSWORD, else the defaults above.
    """
    result = DemoSetup()
    with transaction.atomic():
        if not Lead.objects.exists():
            result.loaded = demo_load(leads=leads, seed=seed)
        result.lead_count = Lead.objects.count()
        for name in ALL_ROLES:
            _, created = Group.objects.get_or_create(name=name)
            if created:
                result.groups_created.append(name)
        admin_password = os.environ.get("DEMO_ADMIN_PASSWORD") or DEFAULT_ADMIN_PASSWORD
        result.logins.append(_admin_ensure(username=DEFAULT_ADMIN_USERNAME, password=admin_password))
        rep_password = os.environ.get("DEMO_REP_PASSWORD") or DEFAULT_REP_PASSWORD
        reps = demo_reps(leads=leads, seed=seed).head(DEMO_REP_LOGINS)
        for rep in reps.itertuples(index=False):
            result.logins.append(_rep_login_ensure(rep=rep, password=rep_password))
    return result


def _admin_ensure(*, username: str, password: str) -> Login:
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model.objects.create_superuser(
            username=username, email="admin@demo.example", password=password
        )
    return Login(
        username=username, password=password, role="superuser", password_works=user.check_password(password)
    )


def _rep_login_ensure(*, rep, password: str) -> Login:
    """A rep who can sign in: in group Rep, with a Rep profile and, if it had none, a password."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(
        username=rep.username,
        defaults={"email": rep.email, "first_name": rep.first_name, "last_name": rep.last_name},
    )
    if not user.has_usable_password():
        # The loader creates rep users without passwords; the first setup gives them the demo one.
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=REP))
    Rep.objects.get_or_create(
        user=user,
        defaults={"territory": rep.territory, "industries": rep.industries, "capacity": rep.capacity},
    )
    return Login(
        username=rep.username, password=password, role=REP, password_works=user.check_password(password)
    )
