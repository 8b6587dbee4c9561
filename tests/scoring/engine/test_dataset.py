import numpy as np
import pandas as pd
import pytest

from scoring.engine.dataset import (
    FieldMapping,
    HalfLifeDecay,
    StepDecay,
    UnusableHistory,
    apply_missing_values,
    coerce_features,
    event_features,
    infer_column_types,
    outcome_labels,
)

AS_OF = pd.Timestamp("2026-06-30", tz="UTC")


def _events(rows):
    return pd.DataFrame(rows, columns=["lead_id", "kind", "occurred_at", "account_id", "contact_id"])


def test_select_is_a_missing_value_not_a_category():
    frame = pd.DataFrame({"role": ["Select", " Manager ", None, "Student"], "visits": [0, 1, 2, 3]})
    cleaned = apply_missing_values(frame, ["Select", ""])
    assert cleaned["role"].isna().tolist() == [True, False, True, False]
    assert cleaned.loc[1, "role"] == "Manager"
    assert cleaned["visits"].tolist() == [0, 1, 2, 3]  # a numeric 0 is an answer


def test_outcome_labels_with_won_values_and_open_rows():
    labels = outcome_labels(pd.Series([1, 0, 1.0, None, 0]), won=["1"])
    assert labels.tolist()[:3] == [1.0, 0.0, 1.0]
    assert np.isnan(labels.iloc[3])


def test_outcome_labels_infers_the_truthy_value():
    labels = outcome_labels(pd.Series(["yes", "no", "no"], name="won"))
    assert labels.tolist() == [1.0, 0.0, 0.0]


def test_outcome_labels_refuses_a_many_valued_column_without_won():
    with pytest.raises(UnusableHistory, match="pass --won"):
        outcome_labels(pd.Series(["a", "b", "c"], name="stage"))


def test_column_typing():
    n = 50
    frame = pd.DataFrame(
        {
            "id": range(1000, 1000 + n),
            "uuid": [f"3f2a-{i:04d}-aa" for i in range(n)],
            "amount": np.linspace(0, 10, n),
            "flag": ["Yes", "No"] * (n // 2),
            "source": ["web", "ads", "event", "web", "ads"] * (n // 5),
            "closed": pd.date_range("2025-01-01", periods=n).strftime("%Y-%m-%d"),
            "constant": ["No"] * n,
            "notes": [f"called the customer about a renewal and a discount number {i}" for i in range(n)],
        }
    )
    types = infer_column_types(frame)
    assert types == {
        "id": "id",
        "uuid": "id",
        "amount": "numeric",
        "flag": "boolean",
        "source": "categorical",
        "closed": "date",
        "constant": "constant",
        "notes": "id",  # unique strings: an identifier wins over free text
    }
    coerced = coerce_features(frame, types)
    assert list(coerced.columns) == ["amount", "flag", "source"]
    assert coerced["flag"].tolist()[:2] == [1.0, 0.0]


def test_mapping_round_trip():
    raw = {
        "entity": "lead",
        "id": "Prospect ID",
        "outcome": {"column": "Converted", "won": ["1"]},
        "missing_values": ["Select", ""],
        "post_outcome": ["Tags"],
        "ignore": ["Lead Number"],
    }
    mapping = FieldMapping.from_dict(raw)
    assert mapping.outcome == "Converted" and mapping.won == ("1",)
    assert FieldMapping.from_dict(mapping.to_dict()) == mapping


def test_event_features_windows_recency_and_the_future_is_invisible():
    events = _events(
        [
            (1, "pricing_view", "2026-06-28", "A", "c1"),  # 2 days before the cut-off
            (1, "pricing_view", "2026-06-10", "A", "c1"),  # 20 days
            (1, "pricing_view", "2026-04-20", "A", "c1"),  # 71 days
            (1, "pricing_view", "2026-01-01", "A", "c1"),  # 180 days
            (1, "pricing_view", "2026-07-05", "A", "c1"),  # after the cut-off: ignored
            (2, "email_open", "2026-06-29", "A", "c2"),
        ]
    )
    features = event_features(events, as_of=AS_OF, lead_ids=[1, 2, 3])
    lead = features.loc[1]
    assert (lead["pricing_view_7d"], lead["pricing_view_30d"], lead["pricing_view_90d"]) == (1, 2, 3)
    # Step decay: 100 % (2 days) + 75 % (20 days) + 50 % (71 days) + 25 % (180 days) = 2.5
    assert lead["pricing_view_decayed"] == pytest.approx(2.5)
    assert lead["pricing_view_days_since"] == pytest.approx(2.0)
    assert features.loc[3, "events_total_90d"] == 0  # a lead without events is present, with zeros
    assert np.isnan(features.loc[3, "days_since_last_event"])


def test_event_features_caps_repeats_and_half_life():
    events = _events([(1, "page_view", f"2026-06-{day:02d}", None, None) for day in range(20, 30)])
    features = event_features(
        events, as_of=AS_OF, caps={"page_view": 3}, decay=HalfLifeDecay(half_life_days=1e9)
    )
    assert features.loc[1, "page_view_30d"] == 3
    assert features.loc[1, "page_view_decayed"] == pytest.approx(3.0)


def test_distinct_active_contacts_per_account():
    events = _events(
        [
            (1, "email_open", "2026-06-20", "A", "c1"),
            (2, "email_open", "2026-06-21", "A", "c2"),
            (2, "meeting", "2026-06-22", "A", "c2"),
            (3, "email_open", "2026-06-21", "B", "c9"),
        ]
    )
    features = event_features(events, as_of=AS_OF, account_column="account_id", contact_column="contact_id")
    assert features.loc[1, "account_active_contacts_90d"] == 2
    assert features.loc[3, "account_active_contacts_90d"] == 1


def test_step_decay_schedule():
    weights = StepDecay().weight(np.array([0, 7, 8, 30, 31, 90, 91, 400]))
    assert weights.tolist() == [1.0, 1.0, 0.75, 0.75, 0.5, 0.5, 0.25, 0.25]
