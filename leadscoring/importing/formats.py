"""The admin import's CSV format: django-import-export hands it the uploaded bytes, and the one reader
(`tabular`, as for `manage.py import_*` and the engine's CLI) decodes them and finds the separator."""

from __future__ import annotations

import tablib
from import_export.formats import base_formats

from tabular import UnreadableText, text_table

from .errors import ImportFileError


class SniffedCSV(base_formats.CSV):
    """CSV (comma, semicolon, tab or pipe separated; UTF-8 or the detected encoding) read by `tabular`."""

    def is_binary(self) -> bool:
        # Bytes in: the encoding is ours to find, not a fixed setting of the admin.
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs) -> tablib.Dataset:
        data = in_stream.encode("utf-8") if isinstance(in_stream, str) else bytes(in_stream)
        try:
            table = text_table(data)
        except UnreadableText as error:
            raise ImportFileError(f"the file cannot be read: {error}") from None
        width = len(table.headers)
        dataset = tablib.Dataset(headers=table.headers)
        for _, cells in table.rows:
            dataset.append((cells + [""] * (width - len(cells)))[:width])
        return dataset


IMPORT_FORMATS = [SniffedCSV, *(f for f in base_formats.DEFAULT_FORMATS if f is not base_formats.CSV)]
