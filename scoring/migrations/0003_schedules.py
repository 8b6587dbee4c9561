import json

from django.db import migrations

SCHEDULES = [
    # name, task, every (hours): ops staff edit these in the admin (django-celery-beat).
    ("Rescore leads due on their tier cadence", "scoring.tasks.cadence_rescore_task", 1),
    ("Downgrade stale leads", "scoring.tasks.stale_downgrade_task", 24),
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, hours in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=hours, period="hours")
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": interval, "args": json.dumps([])}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0002_defaults"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
