"""The CRM layer announces its changes: which signal, when, with which leads, and once per change."""

from contextlib import contextmanager

import pytest
from django.db import transaction
from django.utils import timezone

from leadscoring import services as crm
from leadscoring.importing import events_import, leads_import
from leadscoring.models import Lead
from leadscoring.signals import events_recorded, leads_changed

from .import_files import csv_write, mapping_write

pytestmark = pytest.mark.django_db

EVENT_MAPPING = {
    "entity": "event",
    "id": "Event ID",
    "date": "When",
    "fields": {"lead_external_id": "Prospect", "kind": "Type"},
}


@contextmanager
def heard(signal):
    """Every send of `signal` while inside, with its kwargs and whether a transaction was open."""
    calls = []

    def listen(sender, **kwargs):
        kwargs.pop("signal")
        calls.append({**kwargs, "in_transaction": transaction.get_connection().in_atomic_block})

    signal.connect(listen, dispatch_uid="test-listener", weak=False)
    try:
        yield calls
    finally:
        signal.disconnect(dispatch_uid="test-listener")


def lead_file(tmp_path, name, rows):
    return csv_write(tmp_path / name, ["external_id", "email"], rows)


def test_a_new_lead_then_its_update_are_announced_one_lead_at_a_time(transactional_db):
    # transactional_db: "inside the transaction" must mean the write's own, not the test's.
    with heard(leads_changed) as calls:
        lead, _ = crm.lead_upsert(source_system="api", external_id="A-1", fields={"email": "a@x.com"})
        crm.lead_upsert(source_system="api", external_id="A-1", fields={"status": "qualified"})
    assert calls == [
        {"lead_ids": [lead.pk], "created": True, "bulk": False, "in_transaction": True},
        {"lead_ids": [lead.pk], "created": False, "bulk": False, "in_transaction": True},
    ]


def test_events_are_announced_once_per_batch_with_each_lead_once(transactional_db):
    first = Lead.objects.create(external_id="L-1")
    second = Lead.objects.create(external_id="L-2")
    now = timezone.now()
    items = [
        {"lead": lead, "kind": "page_view", "occurred_at": now, "source": "web", "external_id": f"e-{n}"}
        for n, lead in enumerate([second, first, second])
    ]
    with heard(events_recorded) as calls:
        crm.events_record(events=items)
        crm.events_record(events=items)  # re-sent: nothing new, nothing announced
    assert calls == [{"lead_ids": [first.pk, second.pk], "bulk": False, "in_transaction": True}]


def test_a_lead_import_is_announced_once_with_every_touched_lead(tmp_path):
    leads_import(path=lead_file(tmp_path, "a.csv", [["L-1", "a@x.com"], ["L-2", "b@x.com"]]))
    with heard(leads_changed) as calls:
        leads_import(
            path=lead_file(tmp_path, "b.csv", [["L-2", "new@x.com"], ["L-3", "c@x.com"], ["L-1", "a@x.com"]])
        )
    touched = sorted(Lead.objects.filter(external_id__in=["L-2", "L-3"]).values_list("pk", flat=True))
    # L-1 is unchanged, so it is not announced; L-2 changed, so the leads are not all new.
    assert calls == [{"lead_ids": touched, "created": False, "bulk": True, "in_transaction": True}]


def test_an_events_import_is_announced_once_and_a_dry_run_not_at_all(tmp_path):
    leads_import(path=lead_file(tmp_path, "l.csv", [["L-1", "a@x.com"], ["L-2", "b@x.com"]]))
    rows = [
        ["E-1", "L-1", "page_view", "2024-05-01T09:30:00Z"],
        ["E-2", "L-2", "email_open", "2024-05-02T10:00:00Z"],
        ["E-3", "L-1", "email_open", "2024-05-03T10:00:00Z"],
    ]
    path = csv_write(tmp_path / "e.csv", ["Event ID", "Prospect", "Type", "When"], rows)
    mapping = mapping_write(tmp_path / "m.json", EVENT_MAPPING)
    with heard(events_recorded) as calls:
        events_import(path=path, mapping=mapping, dry_run=True)
        assert calls == []
        events_import(path=path, mapping=mapping)
    ids = sorted(Lead.objects.values_list("pk", flat=True))
    assert calls == [{"lead_ids": ids, "bulk": True, "in_transaction": True}]


def test_the_demo_announces_its_new_leads_once():
    from leadscoring.demo.loader import demo_load

    with heard(leads_changed) as calls:
        demo_load(leads=40, seed=3)
    ids = sorted(Lead.objects.values_list("pk", flat=True))
    assert len(ids) == 40
    assert calls == [{"lead_ids": ids, "created": True, "bulk": True, "in_transaction": True}]
