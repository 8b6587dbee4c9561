"""The one reader of delimited text files: bytes in, a header and rows of text out, saying how it read them.

The CSV import command, the admin import and the engine's CLI all read files through `text_table`, so a
file reads the same everywhere. Pure Python (csv, charset-normalizer): it imports no Django and no app, so
both the CRM layer and the Django-free engine can use it.

- Encoding: strict UTF-8 (a byte-order mark is dropped) or, when that fails, the encoding
  charset-normalizer finds; `encoding=` overrides both. A file no encoding reads is refused: nothing is
  ever decoded with replacement characters.
- Delimiter: csv.Sniffer on the first lines, limited to comma, semicolon, tab and pipe; `delimiter=`
  overrides it. When the sniffer cannot decide, the separator the header line uses most wins.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
# Excel's "CSV" on Western Windows: when the detector finds it among its candidates, it is the likeliest.
WESTERN = ("cp1252", "latin_1", "iso8859_15")


class UnreadableText(ValueError):
    """The bytes are not a delimited text file we can read without damaging it; the message says why."""


@dataclass
class TextTable:
    """A file read as text: its header, its rows (cells as text, blank lines dropped, each numbered as in
    the file with the header as row 1), and the encoding and delimiter used to read it."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str


def decoded(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding name) of `data`: the given encoding, else strict UTF-8, else the detected one."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise UnreadableText(f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as error:
            raise UnreadableText(
                f"the file is not {encoding} text: {error.reason} at byte {error.start}"
            ) from None
    if b"\x00" in data[:8192]:
        raise UnreadableText("the file holds NUL bytes: it is not a text file")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    results = list(from_bytes(data))
    if not results:
        raise UnreadableText("the file is not UTF-8 and no other text encoding reads it: pass its encoding")
    # Several encodings often decode the same bytes to the same text ("could be from"); among the
    # least chaotic readings, Windows-1252 is the one a Western export most likely used.
    least = min(r.chaos for r in results)
    for match in results:
        western = [name for name in WESTERN if name in match.could_be_from_charset]
        if western and match.chaos <= least + 0.01:
            try:
                return data.decode(western[0]), western[0]
            except UnicodeDecodeError:
                continue
    return str(results[0]), results[0].encoding


def sniffed_delimiter(text: str) -> str:
    """The separator of a delimited text: csv.Sniffer on its first lines, else the header's commonest."""
    sample = text[:SNIFF_BYTES]
    if len(text) > SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only: a cut line misleads the sniffer
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.split("\n", 1)[0]
        counts = {d: first_line.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def text_table(data: bytes, *, delimiter: str | None = None, encoding: str | None = None) -> TextTable:
    """Read `data` (a whole file) as a delimited table of text. Raises UnreadableText."""
    text, used = decoded(data, encoding)
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            raise UnreadableText(f"a delimiter is one character, got {delimiter!r}")
    separator = delimiter or sniffed_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        headers = next(reader, [])
        rows = [(number, cells) for number, cells in enumerate(reader, 2) if any(c.strip() for c in cells)]
    except csv.Error as error:
        raise UnreadableText(f"not a readable delimited file: {error}") from None
    return TextTable(headers=headers, rows=rows, encoding=used, delimiter=separator)


def delimiter_name(delimiter: str) -> str:
    """The separator in words for a report: "," -> "comma"."""
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(delimiter, repr(delimiter))


__all__ = ["TextTable", "UnreadableText", "decoded", "delimiter_name", "sniffed_delimiter", "text_table"]
