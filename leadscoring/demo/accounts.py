"""Stage 1 of a demo block: the accounts (firmographics, technology stack, growth signals)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .arrays import ids, join_flags, to_time
from .catalog import (
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    COUNTRIES,
    COUNTRY_P,
    DAY,
    GROWTH_P,
    GROWTH_SIGNALS,
    HISTORY_DAYS,
    INDUSTRIES,
    INDUSTRY_P,
    TECHNOLOGIES,
    TECHNOLOGY_P,
    TERRITORIES,
    TERRITORY_P,
)

# Account numbers of block b start at b * ACCOUNT_NUMBERS_PER_BLOCK.
ACCOUNT_NUMBERS_PER_BLOCK = 10_000


@dataclass(frozen=True)
class Accounts:
    """A block's accounts: one entry per account in each array (shape (n_acc,) or (n_acc, k))."""

    ids: np.ndarray
    name: np.ndarray
    domain: np.ndarray
    industry: np.ndarray
    employees: np.ndarray
    territory: np.ndarray  # position in TERRITORIES
    country: np.ndarray
    tech: np.ndarray  # (n_acc, len(TECHNOLOGIES)) booleans
    growth: np.ndarray  # (n_acc, len(GROWTH_SIGNALS)) booleans
    frame: pd.DataFrame


def accounts_draw(*, rng: np.random.Generator, block: int, n_leads: int, now: int) -> Accounts:
    """About 0.3 accounts a lead; each will get a skewed number of leads (a few big buying committees,
    many single contacts)."""
    n_acc = max(1, int(round(n_leads * 0.3)))
    numbers = block * ACCOUNT_NUMBERS_PER_BLOCK + np.arange(n_acc)
    industry = np.array(INDUSTRIES, dtype=object)[rng.choice(len(INDUSTRIES), n_acc, p=INDUSTRY_P)]
    employees = np.clip(np.round(rng.lognormal(np.log(150), 1.5, n_acc)), 2, 300_000)
    stage = _stage(rng, employees)
    revenue = np.round(employees * rng.lognormal(np.log(180_000), 0.5, n_acc), -3)
    funding = _funding(rng, employees, stage)
    territory = rng.choice(len(TERRITORIES), n_acc, p=TERRITORY_P)
    country = _countries(rng, territory)
    bigger = np.clip(np.log10(employees) / 3, 0.3, 1.5)[:, None]
    tech = rng.random((n_acc, len(TECHNOLOGIES))) < np.clip(np.array(TECHNOLOGY_P) * bigger, 0, 0.95)
    growth = rng.random((n_acc, len(GROWTH_SIGNALS))) < np.array(GROWTH_P)
    word = rng.integers(len(COMPANY_WORDS), size=n_acc)
    suffix = rng.integers(len(COMPANY_SUFFIXES), size=n_acc)
    name = np.strings.add(
        np.strings.add(np.array(COMPANY_WORDS)[word], " "), np.array(COMPANY_SUFFIXES)[suffix]
    )
    domain = np.strings.add(
        np.strings.add(np.strings.lower(np.array(COMPANY_WORDS)[word]), "-"),
        np.strings.add(numbers.astype(str), ".example"),
    ).astype(object)
    acc_ids = ids("DEMO-A", numbers, 8)
    created = now - HISTORY_DAYS * DAY - rng.integers(0, 3 * HISTORY_DAYS * DAY, n_acc)
    frame = pd.DataFrame(
        {
            "external_id": acc_ids,
            "name": name.astype(object),
            "domain": domain,
            "industry": industry,
            "employee_count": employees.astype(np.int64),
            "annual_revenue": revenue,
            "country": country,
            "region": np.array(TERRITORIES, dtype=object)[territory],
            "technology_stack": join_flags(tech, TECHNOLOGIES),
            "stage": stage,
            "funding_total": funding,
            "growth_signals": join_flags(growth, GROWTH_SIGNALS),
            "created_at": to_time(created),
        }
    )
    return Accounts(
        ids=acc_ids,
        name=name,
        domain=domain,
        industry=industry,
        employees=employees,
        territory=territory,
        country=country,
        tech=tech,
        growth=growth,
        frame=frame,
    )


def _stage(rng: np.random.Generator, employees: np.ndarray) -> np.ndarray:
    """Company stage from its (noisy) size; some very large companies are public."""
    n_acc = len(employees)
    size = np.log10(employees) + rng.normal(0, 0.3, n_acc)
    return np.select(
        [size < 1.7, size < 2.6, size < 3.3, (employees > 5000) & (rng.random(n_acc) < 0.4)],
        ["startup", "growth", "mature", "public"],
        "enterprise",
    ).astype(object)


def _funding(rng: np.random.Generator, employees: np.ndarray, stage: np.ndarray) -> np.ndarray:
    """Funding raised (nan when none), likelier and larger for young, big companies."""
    n_acc = len(employees)
    funded_p = np.select([stage == "startup", stage == "growth", stage == "mature"], [0.8, 0.7, 0.3], 0.05)
    return np.where(
        rng.random(n_acc) < funded_p,
        np.round(rng.lognormal(np.log(5e6), 0.8, n_acc) * (employees / 50) ** 0.7, -4),
        np.nan,
    )


def _countries(rng: np.random.Generator, territory: np.ndarray) -> np.ndarray:
    country = np.empty(len(territory), dtype=object)
    for t, names in enumerate(COUNTRIES):
        mask = territory == t
        country[mask] = np.array(names, dtype=object)[rng.choice(len(names), mask.sum(), p=COUNTRY_P[t])]
    return country
