"""Small vectorised helpers the demo's stages share: categorical draws, timestamps, ids, flag lists."""

from __future__ import annotations

import numpy as np
import pandas as pd


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def pick(rng: np.random.Generator, p_rows: np.ndarray) -> np.ndarray:
    """One category per row from per-row probabilities, shape (n, k)."""
    cum = np.cumsum(p_rows, axis=1)
    u = rng.random(len(p_rows)) * cum[:, -1]
    return np.minimum((u[:, None] > cum).sum(axis=1), p_rows.shape[1] - 1)


def to_time(seconds: np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(seconds, unit="s", utc=True)


def ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.strings.add(prefix, np.strings.zfill(numbers.astype(np.int64).astype(str), width)).astype(
        object
    )


def join_flags(flags: np.ndarray, vocabulary: tuple[str, ...]) -> list[list[str]]:
    """Boolean matrix (n, len(vocabulary)) to lists of names, via the few distinct rows."""
    codes = flags.astype(np.int64) @ (1 << np.arange(flags.shape[1]))
    distinct, inverse = np.unique(codes, return_inverse=True)
    names = [[vocabulary[j] for j in range(len(vocabulary)) if code >> j & 1] for code in distinct]
    return [names[i] for i in inverse]
