"""A known B2B SaaS conversion process, drawn as plain DataFrames (numpy + pandas, no Django).

Every figure comes from ``numpy.random.Generator`` streams keyed by ``(seed, block)``, so a seed
gives the same frames on every machine, whatever the caller does with them. Leads are drawn in
fixed blocks of ``BLOCK_LEADS`` so that a million leads never sit in memory at once.

A block is drawn in stages, each its own module, all from the block's one stream in this order
(the order is part of the seed's meaning): ``accounts``, ``leads`` (who each lead is), ``deals``
(who is worked, when deals close), ``activity`` (the events the outcome may see), ``outcomes``
(the win, from the true process in ``truth``), then the post-close events, the deal records and
the lead records. ``true_process()`` describes the conversion function for tests that check a
trained model against the truth; each block's ``truth`` frame holds every lead's signal values
and true probability at its decision time. ``catalog`` holds the vocabularies.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from .accounts import accounts_draw
from .activity import events_after_outcome_draw, events_before_outcome_draw, events_frame
from .catalog import DEFAULT_LEADS, DEMO_SOURCE
from .deals import deal_records, deal_timing_draw
from .leads import lead_records, profiles_draw
from .outcomes import outcome_draw, truth_frame
from .reps import demo_reps, rep_count
from .truth import SIGNAL_NAMES, SIGNALS, Signal, signal_matrix, signals_from_frames, true_logit, true_process

__all__ = [
    "BLOCK_LEADS",
    "DEFAULT_LEADS",
    "DEMO_NOW",
    "DEMO_SOURCE",
    "SIGNALS",
    "SIGNAL_NAMES",
    "DemoBlock",
    "DemoData",
    "Signal",
    "demo_blocks",
    "demo_generate",
    "demo_reps",
    "rep_count",
    "signal_matrix",
    "signals_from_frames",
    "true_logit",
    "true_process",
]

# A fixed "now": the demo is the same whenever it is drawn.
DEMO_NOW = datetime(2026, 11, 1, tzinfo=UTC)
# Fixed, not a parameter: block boundaries are part of the seed's meaning.
BLOCK_LEADS = 5_000

_STREAM_BLOCK = 0xDE30


@dataclass(frozen=True)
class DemoBlock:
    """One block of the demo: every frame refers to others by external id (or rep username)."""

    accounts: pd.DataFrame
    leads: pd.DataFrame
    events: pd.DataFrame
    deals: pd.DataFrame
    truth: pd.DataFrame


@dataclass(frozen=True)
class DemoData:
    """A whole demo in memory (small sizes only; use ``demo_blocks`` to stream big ones)."""

    reps: pd.DataFrame
    accounts: pd.DataFrame
    leads: pd.DataFrame
    events: pd.DataFrame
    deals: pd.DataFrame
    truth: pd.DataFrame


def _block(*, block: int, n: int, seed: int, now: int, reps: pd.DataFrame) -> DemoBlock:
    """One block's frames, every stage drawing from the block's stream in turn."""
    rng = np.random.default_rng([seed, _STREAM_BLOCK, block])
    accounts = accounts_draw(rng=rng, block=block, n_leads=n, now=now)
    leads = profiles_draw(rng=rng, first_lead=block * BLOCK_LEADS, n=n, accounts=accounts, now=now)
    timing = deal_timing_draw(rng=rng, leads=leads, now=now)
    seen = events_before_outcome_draw(rng=rng, leads=leads, timing=timing, now=now)
    outcome = outcome_draw(rng=rng, leads=leads, timing=timing, events=seen, now=now)
    events = events_after_outcome_draw(rng=rng, events=seen, timing=timing, won=outcome.won, now=now)
    deals = deal_records(
        rng=rng, leads=leads, accounts=accounts, timing=timing, won=outcome.won, events=events
    )
    lead_frame = lead_records(
        rng=rng,
        leads=leads,
        accounts=accounts,
        reps=reps,
        timing=timing,
        won=outcome.won,
        events=events,
        now=now,
    )
    return DemoBlock(
        accounts=accounts.frame,
        leads=lead_frame,
        events=events_frame(events=events, lead_ids=leads.external_ids),
        deals=deals,
        truth=truth_frame(outcome=outcome, lead_ids=leads.external_ids, closed=timing.closed),
    )


def demo_blocks(
    *, leads: int = DEFAULT_LEADS, seed: int = 0, now: datetime = DEMO_NOW
) -> Iterator[DemoBlock]:
    """Yield the demo in blocks of at most ``BLOCK_LEADS`` leads; memory stays bounded by one block.

    Use ``demo_reps(leads=leads, seed=seed)`` for the reps the ``owner`` column names.
    """
    if leads < 0 or seed < 0:
        raise ValueError("leads and seed must be non-negative")
    reps = demo_reps(leads=leads, seed=seed)
    now_s = int(now.timestamp())
    for block, start in enumerate(range(0, leads, BLOCK_LEADS)):
        yield _block(block=block, n=min(BLOCK_LEADS, leads - start), seed=seed, now=now_s, reps=reps)


def demo_generate(*, leads: int = DEFAULT_LEADS, seed: int = 0, now: datetime = DEMO_NOW) -> DemoData:
    """The whole demo in memory: reps, accounts, leads, events, deals and the per-lead truth."""
    blocks = list(demo_blocks(leads=leads, seed=seed, now=now))

    def frame(name: str) -> pd.DataFrame:
        parts = [getattr(b, name) for b in blocks]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    return DemoData(
        reps=demo_reps(leads=leads, seed=seed),
        accounts=frame("accounts"),
        leads=frame("leads"),
        events=frame("events"),
        deals=frame("deals"),
        truth=frame("truth"),
    )
