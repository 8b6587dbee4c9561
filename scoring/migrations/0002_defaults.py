from django.db import migrations


def create_defaults(apps, schema_editor):
    from scoring.defaults import DEFAULT_PROGRAM, DEFAULT_TIERS, signal_rows

    ScoringProgram = apps.get_model("scoring", "ScoringProgram")
    TierDefinition = apps.get_model("scoring", "TierDefinition")
    Signal = apps.get_model("scoring", "Signal")
    ScoringSettings = apps.get_model("scoring", "ScoringSettings")
    program, created = ScoringProgram.objects.get_or_create(
        slug=DEFAULT_PROGRAM["slug"],
        defaults={"name": DEFAULT_PROGRAM["name"], "is_default": True, "outcome_won_statuses": ["converted"]},
    )
    if created:
        for name, rank, lower, colour, sla, action, cadence in DEFAULT_TIERS:
            TierDefinition.objects.create(
                program=program, name=name, rank=rank, lower_bound=lower, colour=colour, sla_hours=sla,
                recommended_action=action, cadence_days=cadence,
            )
        Signal.objects.bulk_create([Signal(**row) for row in signal_rows(program.pk)])
    ScoringSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
