"""A history or lead file into a DataFrame, through the one reader (`tabular`) the CRM import uses.

Every cell is read as text; a column becomes numbers only when every filled cell matches the strict
number pattern (`dataset.NUMBER_PATTERN`), and the id column always stays text, so an id with leading
zeros or a hex hash such as 401013266745e5661589292315434968 survives exactly as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tabular import UnreadableText, text_table

from .dataset import numbers_of


@dataclass
class ReadFile:
    """A file read into a frame, with the encoding and delimiter used (they go into the report)."""

    frame: pd.DataFrame
    encoding: str
    delimiter: str


def read_table(
    path: str | Path,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    text_columns: tuple[str | None, ...] = (),
) -> ReadFile:
    """Read a delimited file; `text_columns` (ids) are never turned into numbers. Raises ValueError."""
    path = Path(path)
    try:
        table = text_table(path.read_bytes(), delimiter=delimiter, encoding=encoding)
    except UnreadableText as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    headers = table.headers
    if not headers or not any(h.strip() for h in headers):
        raise ValueError(f"cannot read {path}: no header row")
    width = len(headers)
    cells = [(row + [""] * (width - len(row)))[:width] for _, row in table.rows]
    block = np.array(cells, dtype=object).reshape(len(cells), width)
    columns = {}
    for j, name in enumerate(headers):
        values = block[:, j]
        filled = np.array([bool(v) for v in values], dtype=bool)
        if name not in text_columns and filled.any():
            numbers = numbers_of(values)
            if not np.isnan(numbers[filled]).any():
                columns[j] = np.where(filled, numbers, np.nan)
                continue
        text = values.copy()
        text[~filled] = np.nan
        columns[j] = text
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(cells)))
    frame.columns = list(headers)
    return ReadFile(frame=frame, encoding=table.encoding, delimiter=table.delimiter)


__all__ = ["ReadFile", "read_table"]
