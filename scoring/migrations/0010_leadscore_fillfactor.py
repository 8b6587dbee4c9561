"""Room on each page of current scores for HOT updates (PostgreSQL only; nothing on SQLite).

A rescore rewrites every current-score row. When the score and tier are unchanged (most leads between two
cadence runs) PostgreSQL can update the row in place on its page without touching any index, but only if
the page has room: at the default fillfactor (100) it has none. Pages written before this migration keep
their layout until the table is rewritten (VACUUM FULL or pg_repack).
"""

from django.db import migrations


def fillfactor(value: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE scoring_leadscore SET (fillfactor = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("scoring", "0009_lean_indexes")]

    operations = [migrations.RunPython(fillfactor(70), fillfactor(100))]
