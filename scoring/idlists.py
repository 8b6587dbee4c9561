"""Long id lists in queries: one array parameter on PostgreSQL instead of thousands of placeholders.

`id__in=[...]` with 2,000 ids makes Django write 2,000 `%s` and psycopg parse them back on every
query, which cost more than the queries themselves in a batch rescore. SQLite keeps the plain list.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models.expressions import RawSQL


def ids_in(ids: Sequence[int]):
    """A value for an `__in` lookup holding `ids`: `.filter(id__in=ids_in(chunk))`."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return list(ids)
