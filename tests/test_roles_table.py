"""Roles as a table: every page and endpoint the URL resolver knows, against every role.

The table is the policy, written out by hand (the README's pages table and the API roles table); the test
walks the resolver, so a new route without a row here fails until someone decides who may use it.
Allowed means the request got past authentication and the role check (any status but 401, 403, 404 or
a redirect to the login page); refused means exactly that refusal. Writes send a body no endpoint
accepts (`[]`), or hit a version that is training, so an allowed write changes nothing.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from config import roles
from leadscoring.models import IntegrationKey
from scoring.models import Job, Notification, ScoringModel, Signal
from tests.factories import LeadFactory, ScoringModelFactory, make_user, program_with_tiers, score_lead

pytestmark = pytest.mark.django_db

ROLES = ("ops", "rep", "compliance", "key_ro", "key_rw", "anonymous")
PEOPLE = {"ops", "rep", "compliance"}
EVERYONE = set(ROLES)
KEYS = {"key_ro", "key_rw"}

# route name -> {method: roles allowed}
TABLE: dict[str, dict[str, set[str]]] = {
    # pages (README, "The pages")
    "home": {"GET": {"ops", "rep", "compliance"}},  # a rep's home redirects to their leads
    "leads": {"GET": {"ops", "rep"}},
    "lead": {"GET": {"ops", "rep"}},
    "lead-feedback": {"POST": {"ops", "rep"}},
    "lead-contact": {"POST": {"ops", "rep"}},
    "notifications": {"GET": PEOPLE},
    "notification": {"GET": {"rep"}},  # only its recipient opens a notification
    "rep-productivity": {"GET": {"ops", "rep", "compliance"}},  # a rep sees their own row
    "performance": {"GET": {"ops", "compliance"}},
    "scoring-settings": {"GET": {"ops"}},
    "scoring-audit": {"GET": {"ops", "compliance"}},
    "admin:index": {"GET": {"ops"}},
    # sign-in pages
    "login": {"GET": EVERYONE},
    "logout": {"POST": EVERYONE},
    "password_change": {"GET": PEOPLE},
    "password_change_done": {"GET": PEOPLE},
    "password_reset": {"GET": EVERYONE},
    "password_reset_done": {"GET": EVERYONE},
    "password_reset_confirm": {"GET": EVERYONE},
    "password_reset_complete": {"GET": EVERYONE},
    # the API (README, "The API"): keys act as role Integration; a read-only key never writes
    "api-schema": {"GET": EVERYONE},
    "api-docs": {"GET": EVERYONE},
    "api:lead-list": {"GET": {"ops", "rep", "compliance", *KEYS}, "POST": {"ops", "key_rw"}},
    "api:lead-detail": {"GET": {"ops", "rep", "compliance", *KEYS}, "PATCH": {"ops", "key_rw"}},
    "api:lead-contacts": {"POST": {"ops", "rep", "key_rw"}},
    "api:notifications": {"GET": {"ops", "rep", "compliance", *KEYS}},
    "api:events": {"POST": {"ops", "key_rw"}},
    "api:score": {"POST": {"ops", "key_rw"}},
    "api:batch-score": {"POST": {"ops", "key_rw"}},
    "api:performance": {"GET": {"ops", "compliance", *KEYS}},
    "api:analytics": {"GET": {"ops", "compliance", *KEYS}},
    "api:model-list": {"GET": {"ops", "compliance", *KEYS}, "POST": {"ops"}},
    "api:model-detail": {"GET": {"ops", "compliance", *KEYS}, "PUT": {"ops"}},
    "api:model-train": {"POST": {"ops"}},
    "api:model-deploy": {"POST": {"ops"}},
    "api:model-rollback": {"POST": {"ops"}},
    "api:model-performance": {"GET": {"ops", "compliance", *KEYS}},
    "api:model-report": {"GET": {"ops", "compliance", *KEYS}},
    "api:config": {"GET": {"ops", "compliance", *KEYS}, "PUT": {"ops"}},
    "api:feature-list": {"GET": {"ops", "compliance", *KEYS}, "POST": {"ops"}},
    "api:feature-detail": {"GET": {"ops", "compliance", *KEYS}, "PUT": {"ops"}},
    "api:job-detail": {"GET": {"ops", "compliance", *KEYS}},
    "api:audit-lead-decisions": {"GET": {"compliance"}},
    "api:audit-lead-tier-on-date": {"GET": {"compliance"}},
    "api:audit-history": {"GET": {"compliance"}},
    # compliance (README, "Compliance"): data-subject rights and exports are compliance's; ops may
    # reconstruct a past decision (they answer "why this score?" too) but never export or erase a person
    "compliance": {"GET": {"compliance"}},
    "compliance-report": {"GET": {"compliance"}},
    "compliance-export": {"GET": {"compliance"}},
    "compliance-person-export": {"GET": {"compliance"}},
    "compliance-person-erase": {"POST": {"compliance"}},
    "lead-reconstruct-page": {"GET": {"ops", "compliance"}},
    "api:lead-export": {"GET": {"compliance"}},
    "api:lead-erase": {"POST": {"compliance"}},
    "api:lead-reconstruct": {"GET": {"ops", "compliance"}},
}
# Not walked: the admin's per-model pages (Django's own model permissions; its index is in the table) and
# routes that only redirect (the favicon) or only answer 404 (the JSON catch-all under /api/).
SKIPPED_NAMESPACES = {"admin"}


def walk(patterns, namespace: str = "") -> list[str]:
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(namespace + entry.name)
    return names


def routes() -> list[str]:
    return sorted(
        {name for name in walk(get_resolver().url_patterns) if name.split(":")[0] not in SKIPPED_NAMESPACES}
    )


def test_every_route_has_a_row_in_the_table():
    missing = [name for name in routes() if name not in TABLE]
    assert not missing, f"routes nobody has decided the roles of: {missing}"
    stale = [name for name in TABLE if name != "admin:index" and name not in routes()]
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.fixture
def world(db):
    program = program_with_tiers()
    ops = make_user("table-ops", roles.OPS, is_staff=True)
    rep = make_user("table-rep", roles.REP)
    compliance = make_user("table-compliance", roles.COMPLIANCE)
    lead = LeadFactory(owner=rep)
    score_lead(lead, score=80.0, tier="Hot")
    model = ScoringModelFactory(program=program, status=ScoringModel.Status.TRAINING, report="# Report")
    # A queued training run (the settings page lists it) and a batch job (keys see batch jobs only).
    Job.objects.create(kind=Job.Kind.TRAIN, model=model)
    job = Job.objects.create(kind=Job.Kind.BATCH_SCORE)
    signal = Signal.objects.filter(program=program).first()
    notice = Notification.objects.create(
        recipient=rep, lead=lead, kind="tier_change", about_at=lead.created_at, title="t"
    )
    clients = {}
    for name, user in (("ops", ops), ("rep", rep), ("compliance", compliance)):
        clients[name] = APIClient()
        clients[name].force_login(user)
    for name, scope in (
        ("key_ro", IntegrationKey.Scope.READ_ONLY),
        ("key_rw", IntegrationKey.Scope.READ_WRITE),
    ):
        _, raw = IntegrationKey.objects.create_key(name=name, scope=scope)
        clients[name] = APIClient()
        clients[name].credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    clients["anonymous"] = APIClient()
    kwargs = {
        "lead": {"pk": lead.pk},
        "lead-feedback": {"pk": lead.pk},
        "lead-contact": {"pk": lead.pk},
        "notification": {"pk": notice.pk},
        "api:lead-contacts": {"pk": lead.pk},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "api:lead-detail": {"pk": lead.pk},
        "api:feature-detail": {"pk": signal.pk},
        "api:job-detail": {"pk": job.pk},
        "api:audit-lead-decisions": {"pk": lead.pk},
        "api:audit-lead-tier-on-date": {"pk": lead.pk},
        "api:audit-history": {"object_type": "signal", "pk": signal.pk},
        "compliance-export": {"kind": "decisions", "fmt": "csv"},
        "compliance-person-export": {"pk": lead.pk},
        "compliance-person-erase": {"pk": lead.pk},
        "lead-reconstruct-page": {"pk": lead.pk},
        "api:lead-export": {"pk": lead.pk},
        "api:lead-erase": {"pk": lead.pk},
        "api:lead-reconstruct": {"pk": lead.pk},
    }
    for name in TABLE:
        if name.startswith("api:model-") and name != "api:model-list":
            kwargs[name] = {"pk": model.pk}
    return clients, kwargs


def refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    # login_required sends to the login page with ?next=; logging out lands there without one.
    return response.status_code == 302 and "/login/?next=" in response["Location"]


CASES = [(name, method) for name, methods in TABLE.items() for method in methods]


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{m} {n}" for n, m in CASES])
def test_the_role_table(world, name, method):
    clients, kwargs = world
    url = reverse(name, kwargs=kwargs.get(name))
    outcome = {}
    for role in ROLES:
        client = clients[role]
        if method == "GET":
            response = client.get(url)
        else:
            response = client.generic(method, url, "[]", content_type="application/json")
        assert response.status_code < 500, (role, method, url, response.status_code, response.content[:300])
        outcome[role] = not refused(response)
    allowed = TABLE[name][method]
    assert {role for role, ok in outcome.items() if ok} == allowed, (method, url, outcome)
