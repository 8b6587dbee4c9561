from datetime import timedelta

import pytest
from django.utils import timezone

from leadscoring.models import Account, ActivityEvent, Lead
from scoring.defaults import STEP_DECAY
from scoring.features import lead_signal_frame
from scoring.models import Signal

pytestmark = pytest.mark.django_db


def event_signal(**fields):
    return Signal(dimension="behavioral", value_type="numerical", source="event", **fields)


def test_step_decay_weighs_events_by_age():
    now = timezone.now()
    lead = Lead.objects.create(external_id="L1")
    for n, days in enumerate([3, 20, 60, 200]):
        ActivityEvent.objects.create(
            lead=lead, kind="page_view", occurred_at=now - timedelta(days=days), external_id=f"e{n}"
        )
    signals = [
        event_signal(key="visits", event_kind="page_view", transformation="decayed", decay=STEP_DECAY),
        event_signal(key="visits_30d", event_kind="page_view", transformation="count", window_days=30),
        event_signal(key="recency", event_kind="", transformation="recency"),
    ]
    frame = lead_signal_frame(lead_ids=[lead.pk], signals=signals, as_of=now)
    # 3 days: 1.0; 20 days: 0.75; 60 days: 0.5; 200 days: 0.25 -> 2.5
    assert frame.loc[lead.pk, "visits"] == pytest.approx(2.5)
    assert frame.loc[lead.pk, "visits_30d"] == 2
    assert frame.loc[lead.pk, "recency"] == pytest.approx(3, abs=0.01)


def test_repeat_cap_limits_counted_events():
    now = timezone.now()
    lead = Lead.objects.create(external_id="L1")
    ActivityEvent.objects.bulk_create(
        ActivityEvent(
            lead=lead, kind="pricing_page", occurred_at=now - timedelta(hours=n), external_id=f"p{n}"
        )
        for n in range(50)
    )
    signal = event_signal(
        key="pricing", event_kind="pricing_page", transformation="count", window_days=7, repeat_cap=10
    )
    assert lead_signal_frame(lead_ids=[lead.pk], signals=[signal], as_of=now).loc[lead.pk, "pricing"] == 10


def test_point_in_time_features_ignore_events_after_each_leads_cutoff():
    import pandas as pd

    now = timezone.now()
    early, late = Lead.objects.create(external_id="A"), Lead.objects.create(external_id="B")
    for lead in (early, late):
        ActivityEvent.objects.create(
            lead=lead, kind="demo_request", occurred_at=now - timedelta(days=10), external_id=f"d-{lead.pk}"
        )
    signal = event_signal(key="demos", event_kind="demo_request", transformation="count", window_days=90)
    cutoffs = pd.Series({early.pk: now - timedelta(days=20), late.pk: now}, dtype="datetime64[ns, UTC]")
    frame = lead_signal_frame(lead_ids=[early.pk, late.pk], signals=[signal], as_of=cutoffs)
    assert frame.loc[early.pk, "demos"] == 0  # its demo came after its deal closed
    assert frame.loc[late.pk, "demos"] == 1


def test_lead_account_and_attribute_signals_read_their_fields():
    account = Account.objects.create(name="Acme", industry="Software", employee_count=250)
    lead = Lead.objects.create(external_id="L1", account=account, seniority="vp", attributes={"plan": "pro"})
    signals = [
        Signal(
            key="industry",
            dimension="firmographic",
            value_type="categorical",
            source="account_field",
            source_field="industry",
        ),
        Signal(
            key="size",
            dimension="firmographic",
            value_type="numerical",
            source="account_field",
            source_field="employee_count",
        ),
        Signal(
            key="seniority",
            dimension="firmographic",
            value_type="categorical",
            source="lead_field",
            source_field="seniority",
        ),
        Signal(
            key="plan", dimension="intent", value_type="categorical", source="attribute", source_field="plan"
        ),
    ]
    row = lead_signal_frame(lead_ids=[lead.pk], signals=signals).loc[lead.pk]
    assert (row["industry"], row["size"], row["seniority"], row["plan"]) == ("Software", 250, "vp", "pro")


def test_values_outside_a_signals_rules_count_as_missing():
    account = Account.objects.create(name="Typo Inc", employee_count=9_000_000)
    sane = Account.objects.create(name="Acme", employee_count=120)
    leads = [Lead.objects.create(external_id=f"L{a.pk}", account=a) for a in (account, sane)]
    signal = Signal(
        key="size",
        dimension="firmographic",
        value_type="numerical",
        source="account_field",
        source_field="employee_count",
        validation_rules={"min": 1, "max": 1_000_000},
    )
    frame = lead_signal_frame(lead_ids=[lead.pk for lead in leads], signals=[signal])
    assert frame["size"].isna().tolist() == [True, False]
