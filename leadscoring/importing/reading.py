"""Read a CSV or XLSX file as a header and rows of text, numbered as in the file (header = row 1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tabular import UnreadableText, text_table

from .errors import ImportFileError

XLSX_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass
class Table:
    """A file's header and an iterator of (row number, cells as text)."""

    path: Path
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str = ""
    delimiter: str = ""


def cell_text(value: Any) -> str:
    """A cell as the text a person would read in it: 1.0 -> "1", a date -> ISO 8601, empty -> ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def headers_check(headers: list[str], *, path: Path | str) -> list[str]:
    headers = [cell_text(h) for h in headers]
    while headers and headers[-1] == "":
        headers.pop()  # spreadsheets often carry empty trailing header cells
    if not headers:
        raise ImportFileError(f"{path} is empty: no header row")
    seen: set[str] = set()
    for position, name in enumerate(headers, 1):
        if not name:
            raise ImportFileError(f"{path}: column {position} of the header row has no name")
        if name in seen:
            raise ImportFileError(f'{path}: column "{name}" appears twice in the header row')
        seen.add(name)
    return headers


def _csv_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a directory, not a file") from None
    except OSError as error:
        raise ImportFileError(f"{path} cannot be read: {error.strerror}") from None
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(f"{path} looks like a spreadsheet: name it .xlsx to import it as one")
    if b"\x00" in data[:8192]:
        raise ImportFileError(f"{path} is not a text CSV file")
    return data


def _csv_rows(rows: list[tuple[int, list[str]]], width: int) -> Iterator[tuple[int, list[str]]]:
    for number, cells in rows:
        if len(cells) < width:  # trailing empty cells left off by the writer
            cells = cells + [""] * (width - len(cells))
        yield number, cells


def _csv_table(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> Table:
    # The one reader (tabular) decides the encoding and the separator, as for the engine's CLI.
    try:
        table = text_table(_csv_bytes(path), delimiter=delimiter, encoding=encoding)
    except UnreadableText as error:
        raise ImportFileError(f"{path}: {error}") from None
    headers = headers_check(table.headers, path=path)
    return Table(
        path=path,
        headers=headers,
        rows=_csv_rows(table.rows, len(headers)),
        encoding=table.encoding,
        delimiter=table.delimiter,
    )


def _xlsx_table(path: Path) -> Table:
    from openpyxl import load_workbook

    if not path.exists():
        raise ImportFileError(f"{path} does not exist")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = headers_check(list(next(rows, ())), path=path)
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds on a damaged or foreign file
        raise ImportFileError(f"{path} is not a readable XLSX workbook: {error}") from None

    def numbered() -> Iterator[tuple[int, list[str]]]:
        width = len(headers)
        for number, values in enumerate(rows, 2):
            cells = [cell_text(v) for v in values]
            if not any(cells):
                continue
            cells = cells + [""] * (width - len(cells))
            yield number, cells
        workbook.close()

    return Table(path=path, headers=headers, rows=numbered())


def table_open(path: str | Path, *, delimiter: str | None = None, encoding: str | None = None) -> Table:
    """Open a CSV (separator sniffed; strict UTF-8, else the detected encoding; both overridable) or an
    XLSX (first sheet)."""
    path = Path(path)
    if path.suffix.lower() in XLSX_SUFFIXES:
        return _xlsx_table(path)
    return _csv_table(path, delimiter=delimiter, encoding=encoding)
