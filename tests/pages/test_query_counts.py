"""Each page runs a bounded number of SQL queries, whatever the number of leads (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring import services
from tests.factories import make_lead

pytestmark = pytest.mark.django_db

# Session, user and groups take 3-4 queries of each budget; the navigation's unread notifications 1.
BUDGETS = {
    "leads": 12,  # + the SLA clocks of the page's leads
    "lead": 17,  # + its SLA clock, contacts and assignments
    "performance": 19,
    "settings": 16,  # + the capacity check: one count of tier entries, one sum of capacity
    "audit": 23,  # the model-audit reports: 4 grouped queries, one per bias dimension past the first, + unread count
}


def _populate(program, rep, model, n):
    leads = [
        make_lead(
            program,
            score=(i * 37) % 100,
            owner=rep if i % 3 else None,
            model=model,
            status=["new", "contacted", "converted", "lost"][i % 4],
            revenue=100 * i,
            source=f"S{i % 5}",
            country=f"C{i % 4}",
            history=[(9, 30, "created"), (2, (i * 37) % 100, "event")],
        )
        for i in range(n)
    ]
    for signal in program.signals.all()[:3]:
        services.signal_update(signal=signal, weight=1.1)
    return leads


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", list(BUDGETS))
def test_query_count_is_bounded_and_flat(
    client, ops, rep, program, live_model_row, page, django_assert_max_num_queries
):
    few = _populate(program, rep, live_model_row, 3)
    client.force_login(ops)
    url = {
        "leads": reverse("leads"),
        "lead": reverse("lead", args=[few[0].pk]),
        "performance": reverse("performance"),
        "settings": reverse("scoring-settings"),
        "audit": reverse("scoring-audit"),
    }[page]
    _count(client, url)  # warm the short-lived caches (the source filter options)
    small = _count(client, url)
    _populate(program, rep, live_model_row, 30)
    with django_assert_max_num_queries(BUDGETS[page]):
        client.get(url)
    assert _count(client, url) == small  # ten times the leads, the same queries


def test_rep_lead_list_is_bounded(client, rep, program, live_model_row, django_assert_max_num_queries):
    _populate(program, rep, live_model_row, 30)
    client.force_login(rep)
    with django_assert_max_num_queries(BUDGETS["leads"]):
        assert client.get(reverse("leads")).status_code == 200
