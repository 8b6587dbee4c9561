"""Stage 2 of a demo block: who each lead is (person, company, BANT, latent interest); and, once the
deals and events are drawn, the lead's CRM record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .accounts import Accounts
from .arrays import ids, to_time
from .catalog import (
    AUTHORITY_P,
    CAMPAIGNS,
    COUNTRIES,
    CRM_TECHNOLOGIES,
    DAY,
    DECISION_MAKERS,
    DEMO_SOURCE,
    DEPARTMENT_P,
    DEPARTMENTS,
    FIRST_NAMES,
    GROWTH_SIGNALS,
    HISTORY_DAYS,
    LAST_NAMES,
    NEEDS,
    PERSONAL_DOMAINS,
    SENIORITIES,
    SENIORITY_P_BUSINESS,
    SENIORITY_P_PERSONAL,
    SOURCE_ENGAGEMENT,
    SOURCE_P_BUSINESS,
    SOURCE_P_PERSONAL,
    SOURCES,
    STRONG_GROWTH_SIGNALS,
    STUDENT_DOMAINS,
    TECHNOLOGIES,
    TERRITORIES,
    TERRITORY_P,
    TIMELINES,
    TITLES,
    K,
)
from .reps import owners_draw

if TYPE_CHECKING:
    from .activity import FinalEvents
    from .deals import DealTiming


@dataclass(frozen=True)
class Profiles:
    """A block's leads as drawn before any activity: one entry per lead in each array, shape (n,)."""

    numbers: np.ndarray
    external_ids: np.ndarray
    personal: np.ndarray  # no account: a free or student e-mail address
    account: np.ndarray  # position in the block's accounts, -1 when personal
    seniority: np.ndarray
    department: np.ndarray
    title: np.ndarray
    source: np.ndarray
    first: np.ndarray
    last: np.ndarray
    domain: np.ndarray
    email: np.ndarray
    employees: np.ndarray  # nan when personal
    industry: np.ndarray  # "" when personal
    territory: np.ndarray  # position in TERRITORIES
    country: np.ndarray
    phone: np.ndarray
    created: np.ndarray  # seconds since the epoch
    acv: np.ndarray  # what a win would be worth
    budget: np.ndarray  # nan unknown
    authority: np.ndarray  # 1.0 / 0.0, nan unknown
    need: np.ndarray
    timeline: np.ndarray  # days, nan unknown
    uses_crm: np.ndarray
    strong_growth: np.ndarray
    interest: np.ndarray  # latent: drives engagement and intent

    @property
    def student(self) -> np.ndarray:
        return self.seniority == "student"


def profiles_draw(
    *, rng: np.random.Generator, first_lead: int, n: int, accounts: Accounts, now: int
) -> Profiles:
    """n leads numbered from first_lead, each at one of `accounts` (or none: 12 % use a personal address)."""
    numbers = first_lead + np.arange(n)
    personal = rng.random(n) < 0.12
    account = _accounts_of(rng, personal, len(accounts.ids))
    sen, dept = _seniority_and_department(rng, personal)
    seniority = np.array(SENIORITIES, dtype=object)[sen]
    title = TITLES[sen, dept].astype(object)
    title[rng.random(n) < 0.05] = ""
    src = _by_address(rng, personal, len(SOURCES), SOURCE_P_PERSONAL, SOURCE_P_BUSINESS)
    first = np.array(FIRST_NAMES)[rng.integers(len(FIRST_NAMES), size=n)]
    last = np.array(LAST_NAMES)[rng.integers(len(LAST_NAMES), size=n)]
    at = np.maximum(account, 0)  # personal leads read account 0's columns, masked below
    domain = np.where(personal, _free_domains(rng, seniority == "student"), accounts.domain[at].astype(str))
    email = _emails(first, last, domain, personal, numbers)
    employees = np.where(personal, np.nan, accounts.employees[at])
    territory = np.where(personal, rng.choice(len(TERRITORIES), n, p=TERRITORY_P), accounts.territory[at])
    country = np.where(
        personal | (rng.random(n) < 0.05),
        np.array([COUNTRIES[t][0] for t in range(len(TERRITORIES))], dtype=object)[territory],
        accounts.country[at],
    )
    phone = _phones(rng, n)
    created = now - rng.integers(DAY, HISTORY_DAYS * DAY, n)
    acv = np.where(personal, 2_400.0, 6_000.0 * (np.nan_to_num(employees, nan=10) / 50) ** 0.45)
    acv = np.round(acv * rng.lognormal(0, 0.4, n), -2)
    budget, authority, need, timeline = _bant(rng, acv, sen)
    tech = np.where(personal[:, None], False, accounts.tech[at])
    growth = np.where(personal[:, None], False, accounts.growth[at])
    source = np.array(SOURCES, dtype=object)[src]
    interest = (
        rng.normal(0, 1, n) + np.array(SOURCE_ENGAGEMENT)[src] + 0.2 * np.isin(seniority, DECISION_MAKERS)
    )
    return Profiles(
        numbers=numbers,
        external_ids=ids("DEMO-L", numbers, 8),
        personal=personal,
        account=account,
        seniority=seniority,
        department=np.array(DEPARTMENTS, dtype=object)[dept],
        title=title,
        source=source,
        first=first,
        last=last,
        domain=domain,
        email=email,
        employees=employees,
        industry=np.where(personal, "", accounts.industry[at]).astype(object),
        territory=territory,
        country=country,
        phone=phone,
        created=created,
        acv=acv,
        budget=budget,
        authority=authority,
        need=need,
        timeline=timeline,
        uses_crm=tech[:, [TECHNOLOGIES.index(t) for t in CRM_TECHNOLOGIES]].any(axis=1),
        strong_growth=growth[:, [GROWTH_SIGNALS.index(g) for g in STRONG_GROWTH_SIGNALS]].any(axis=1),
        interest=interest,
    )


def _accounts_of(rng: np.random.Generator, personal: np.ndarray, n_acc: int) -> np.ndarray:
    weight = rng.lognormal(0, 1, n_acc)
    account = rng.choice(n_acc, len(personal), p=weight / weight.sum())
    return np.where(personal, -1, account)


def _seniority_and_department(
    rng: np.random.Generator, personal: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions in SENIORITIES and DEPARTMENTS; people on personal addresses skew junior."""
    sen = _by_address(rng, personal, len(SENIORITIES), SENIORITY_P_PERSONAL, SENIORITY_P_BUSINESS)
    return sen, rng.choice(len(DEPARTMENTS), len(personal), p=DEPARTMENT_P)


def _by_address(rng: np.random.Generator, personal: np.ndarray, k: int, p_personal, p_business) -> np.ndarray:
    """One of k categories per lead, with shares that depend on a personal or a business address (both
    drawn for every lead, personal first, so that each draw consumes the stream the same way)."""
    n = len(personal)
    return np.where(personal, rng.choice(k, n, p=p_personal), rng.choice(k, n, p=p_business))


def _free_domains(rng: np.random.Generator, student: np.ndarray) -> np.ndarray:
    n = len(student)
    return np.where(
        student,
        np.array(STUDENT_DOMAINS)[rng.integers(len(STUDENT_DOMAINS), size=n)],
        np.array(PERSONAL_DOMAINS)[rng.integers(len(PERSONAL_DOMAINS), size=n)],
    )


def _emails(first, last, domain, personal, numbers) -> np.ndarray:
    """first.last@domain, lower case; a number after the name on free addresses (they are taken)."""
    local = np.strings.add(np.strings.add(first, "."), last)
    local = np.where(personal, np.strings.add(local, (numbers % 997).astype(str)), local)
    return np.strings.lower(np.strings.add(np.strings.add(local, "@"), domain)).astype(object)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    phone = np.strings.add(
        np.strings.add("+1 555 ", rng.integers(100, 1000, n).astype(str)),
        np.strings.add(" ", rng.integers(1000, 10_000, n).astype(str)),
    ).astype(object)
    phone[rng.random(n) < 0.3] = ""
    return phone


def _bant(rng: np.random.Generator, acv: np.ndarray, sen: np.ndarray) -> tuple[np.ndarray, ...]:
    """Budget, authority, need and timeline, each known for only some leads (nan or "" otherwise)."""
    n = len(acv)
    budget = np.where(rng.random(n) < 0.45, np.round(acv * rng.lognormal(0, 0.5, n), -2), np.nan)
    authority = np.where(
        rng.random(n) < 0.55, (rng.random(n) < np.array(AUTHORITY_P)[sen]).astype(float), np.nan
    )
    need = np.array(NEEDS, dtype=object)[rng.integers(len(NEEDS), size=n)]
    need[rng.random(n) < 0.5] = ""
    timeline = np.where(
        rng.random(n) < 0.4, np.array(TIMELINES)[rng.integers(len(TIMELINES), size=n)], np.nan
    )
    return budget, authority, need, timeline


def lead_records(
    *,
    rng: np.random.Generator,
    leads: Profiles,
    accounts: Accounts,
    reps: pd.DataFrame,
    timing: DealTiming,
    won: np.ndarray,
    events: FinalEvents,
    now: int,
) -> pd.DataFrame:
    """The leads as the CRM holds them: owner, status from the deal, opt-outs seen in the events, and
    `updated_at` at the last thing that happened to the lead."""
    n = len(leads.numbers)
    worked, closed, close = timing.worked, timing.closed, timing.close
    has_owner = worked | (rng.random(n) < 0.85)
    owner = owners_draw(rng=rng, reps=reps, territory=leads.territory, industry=leads.industry)
    age_days = (now - leads.created) / DAY
    status = np.select(
        [won, closed, worked, has_owner & (age_days > 7) & (rng.random(n) < 0.7)],
        ["converted", "lost", "qualified", "contacted"],
        "new",
    ).astype(object)
    saw = np.zeros(n, dtype=bool)
    saw[events.lead[np.isin(events.kind, [K["unsubscribe"], K["spam_complaint"]])]] = True
    last_event = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_event, events.lead, events.at)
    updated = np.maximum.reduce([leads.created, last_event, np.where(closed, close, leads.created)])
    authority, timeline = leads.authority, leads.timeline
    return pd.DataFrame(
        {
            "external_id": leads.external_ids,
            "source_system": DEMO_SOURCE,
            "email": leads.email,
            "first_name": leads.first.astype(object),
            "last_name": leads.last.astype(object),
            "phone": leads.phone,
            "title": leads.title,
            "seniority": leads.seniority,
            "department": leads.department,
            "account_external_id": np.where(leads.personal, None, accounts.ids[np.maximum(leads.account, 0)]),
            "source": leads.source,
            "country": leads.country,
            "owner": np.where(has_owner, owner, None),
            "status": status,
            "converted_at": pd.Series(to_time(close)).where(won),
            "revenue": np.where(won, leads.acv, np.nan),
            "budget": leads.budget,
            "authority": pd.array(np.where(np.isnan(authority), None, authority > 0), dtype="boolean"),
            "need": leads.need,
            "timeline_days": pd.array(np.where(np.isnan(timeline), None, timeline), dtype="Int64"),
            "do_not_email": saw | (rng.random(n) < 0.02),
            "do_not_call": rng.random(n) < 0.04,
            "unsubscribed": saw,
            "attributes": [
                json.dumps({"preferred_contact": c, "utm_campaign": u}, sort_keys=True)
                for c, u in zip(
                    np.array(("email", "phone", "any"))[rng.integers(3, size=n)],
                    np.array(CAMPAIGNS)[rng.integers(len(CAMPAIGNS), size=n)],
                    strict=True,
                )
            ],
            "created_at": to_time(leads.created),
            "updated_at": to_time(updated),
        }
    )
