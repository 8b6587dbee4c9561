"""Stage 4 of a demo block: the activity events. Before the outcome is drawn: a burst of activity after
a lead appears, background nurture e-mail, reps' touches and negative events. After it: customers
onboard and lost leads mostly go quiet (the leakage trap), then the events frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .arrays import pick, sigmoid, to_time
from .catalog import (
    BURST_TILT,
    BURST_WEIGHT,
    DAY,
    DEMO_SOURCE,
    EMAIL_KINDS,
    KINDS,
    N_VARIANTS,
    ONBOARDING_URLS,
    PROPS,
    PURCHASED_SOURCES,
    URLS,
    K,
)
from .deals import DealTiming
from .leads import Profiles

_NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Events:
    """Events as parallel arrays: the lead's position in the block, the time (seconds), the kind's
    position in KINDS; url and props once the final frame is built."""

    lead: np.ndarray
    at: np.ndarray
    kind: np.ndarray

    def where(self, keep: np.ndarray) -> Events:
        return Events(lead=self.lead[keep], at=self.at[keep], kind=self.kind[keep])


def events_before_outcome_draw(
    *, rng: np.random.Generator, leads: Profiles, timing: DealTiming, now: int
) -> Events:
    """Every event the outcome may see (and some after the close, pruned later by `events_after_outcome_draw`).
    No marketing e-mail reaches a lead after it bounced or unsubscribed; nothing happens after `now`."""
    burst = _burst(rng, leads)
    nurture = _nurture(rng, leads, now)
    touches = _touches(rng, timing, now)
    negative, email_stop = _negative(rng, leads, now)
    parts = (burst, nurture, touches, negative)
    events = Events(*(np.concatenate([getattr(p, name) for p in parts]) for name in ("lead", "at", "kind")))
    is_email = np.isin(events.kind, [K[k] for k in EMAIL_KINDS])
    return events.where((events.at < now) & ~(is_email & (events.at > email_stop[events.lead])))


def _burst(rng: np.random.Generator, leads: Profiles) -> Events:
    """A burst of activity after the lead appears; latent interest makes it bigger and tilts it to intent."""
    n = len(leads.numbers)
    span = rng.uniform(30, 150, n)
    rate = np.exp(np.log(4.0) + 0.6 * leads.interest)
    lead = np.repeat(np.arange(n), rng.poisson(rate * span / 30))
    at = leads.created[lead] + (rng.exponential(span[lead]) * DAY).astype(np.int64)
    tilt = np.exp(np.outer(leads.interest, BURST_TILT)) * BURST_WEIGHT
    return Events(lead=lead, at=at, kind=pick(rng, tilt[lead]))


def _nurture(rng: np.random.Generator, leads: Profiles, now: int) -> Events:
    """Background nurture e-mail, about 0.8 a month since the lead appeared."""
    created = leads.created
    months = (now - created) / (30 * DAY)
    lead = np.repeat(np.arange(len(created)), rng.poisson(0.8 * months))
    at = created[lead] + (rng.random(len(lead)) * (now - created[lead])).astype(np.int64)
    kind = np.where(rng.random(len(lead)) < 0.8, K["email_open"], K["email_click"])
    return Events(lead=lead, at=at, kind=kind)


def _touches(rng: np.random.Generator, timing: DealTiming, now: int) -> Events:
    """Reps' touches during the sales cycle."""
    cycle_end = np.minimum(timing.close, now)
    count = np.where(timing.worked, rng.poisson(1.5 + timing.cycle_days / 12), 0)
    lead = np.repeat(np.arange(len(count)), count)
    span = (cycle_end - timing.start)[lead]
    at = timing.start[lead] + (rng.random(len(lead)) * span).astype(np.int64)
    kinds = np.array([K["email_open"], K["email_reply"], K["email_click"]])
    return Events(lead=lead, at=at, kind=kinds[rng.choice(3, len(lead), p=(0.5, 0.35, 0.15))])


def _negative(rng: np.random.Generator, leads: Profiles, now: int) -> tuple[Events, np.ndarray]:
    """Bounces, unsubscribes and spam complaints (bought lists the most), and per lead the moment
    marketing e-mail stops (never, when neither happened)."""
    n, created = len(leads.numbers), leads.created
    purchased = np.isin(leads.source, PURCHASED_SOURCES)
    bounce_p = np.where(purchased, 0.20, np.where(leads.personal, 0.08, 0.03))
    bounced = rng.random(n) < bounce_p
    bounce_at = created + (rng.random(n) * np.minimum(60 * DAY, now - created)).astype(np.int64)
    unsub = rng.random(n) < sigmoid(-2.6 - 0.8 * leads.interest + 1.0 * purchased)
    spam = unsub & (rng.random(n) < np.where(purchased, 0.25, 0.05))
    unsub_at = created + (rng.random(n) * (now - created)).astype(np.int64)
    events = Events(
        lead=np.concatenate([np.flatnonzero(bounced), np.flatnonzero(unsub)]),
        at=np.concatenate([bounce_at[bounced], unsub_at[unsub]]),
        kind=np.concatenate(
            [
                np.full(bounced.sum(), K["bounce"]),
                np.where(spam[unsub], K["spam_complaint"], K["unsubscribe"]),
            ]
        ),
    )
    email_stop = np.minimum(np.where(bounced, bounce_at, _NEVER), np.where(unsub, unsub_at, _NEVER))
    return events, email_stop


@dataclass(frozen=True)
class FinalEvents:
    """The block's events as they are written, sorted by (lead, time, kind)."""

    lead: np.ndarray
    at: np.ndarray
    kind: np.ndarray
    url: np.ndarray
    props: np.ndarray


def events_after_outcome_draw(
    *, rng: np.random.Generator, events: Events, timing: DealTiming, won: np.ndarray, now: int
) -> FinalEvents:
    """After the close, lost leads mostly go quiet and won customers onboard (/app and /docs views);
    then each event gets its url and properties, sorted by (lead, time, kind)."""
    close, closed = timing.close, timing.closed
    after = (events.at >= close[events.lead]) & closed[events.lead]
    quiet = after & ~won[events.lead] & (rng.random(len(events.lead)) < 0.75)
    events = events.where(~quiet)
    onboard = np.where(won, rng.poisson(1 + 4 * np.maximum(now - close, 0) / (30 * DAY)), 0)
    lead_o = np.repeat(np.arange(len(won)), onboard)
    at_o = close[lead_o] + (rng.random(len(lead_o)) * (now - close[lead_o])).astype(np.int64)
    url_o = ONBOARDING_URLS[rng.integers(len(ONBOARDING_URLS), size=len(lead_o))].astype(object)
    variant = (rng.random(len(events.lead)) * N_VARIANTS[events.kind]).astype(np.int64)
    url = np.concatenate([URLS[events.kind, variant], url_o])
    props = np.concatenate([PROPS[events.kind, variant], np.full(len(lead_o), "{}", dtype=object)])
    lead = np.concatenate([events.lead, lead_o])
    at = np.concatenate([events.at, at_o])
    kind = np.concatenate([events.kind, np.full(len(lead_o), K["page_view"])])
    order = np.lexsort((kind, at, lead))
    return FinalEvents(lead=lead[order], at=at[order], kind=kind[order], url=url[order], props=props[order])


def events_frame(*, events: FinalEvents, lead_ids: np.ndarray) -> pd.DataFrame:
    """The events as the loader reads them; external ids number each lead's events in order (-E0001...)."""
    seq = np.arange(len(events.lead)) - np.searchsorted(events.lead, events.lead)
    ids = lead_ids[events.lead]
    return pd.DataFrame(
        {
            "lead_external_id": ids,
            "kind": np.array(KINDS, dtype=object)[events.kind],
            "occurred_at": to_time(events.at),
            "url": events.url,
            "properties": events.props,
            "source": DEMO_SOURCE,
            "external_id": np.strings.add(
                ids.astype(str), np.strings.add("-E", np.strings.zfill((seq + 1).astype(str), 4))
            ).astype(object),
        }
    )
