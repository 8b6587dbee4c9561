"""Small pieces every API view shares: bounded ids, the program query parameter, the base view."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.views import APIView

MAX_BULK_ITEMS = 1000
# Ids beyond what any database column holds are simply not found (never an overflow).
MAX_ID = 2**63 - 1


class IdPathConverter:
    """`<id:pk>`: 1 to 18 digits, so a huge id is a 404 and never reaches the database."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class ProgramQuery(serializers.Serializer):
    program = serializers.SlugField(
        required=False, max_length=64, help_text="Program slug; the default if absent."
    )


class ApiView(APIView):
    """Role lists default to nobody: each view names who may read and who may write."""

    read_roles: tuple[str, ...] = ()
    write_roles: tuple[str, ...] = ()
