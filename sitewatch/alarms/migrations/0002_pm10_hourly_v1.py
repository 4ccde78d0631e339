"""Version 1 of the dust thresholds: PM10 hourly mean ≥ 150 µg/m³ 预警, ≥ 200 µg/m³ 报警 (absolute).

The city ladder of regulation.md §1.4 (Wuhan-style 150/200); Guangdong sets no numeric
limit, so these are settings the city administrator revises by adding versions.
"""

import datetime as dt

from django.db import migrations

SINCE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def load(apps, schema_editor):
    DustThreshold = apps.get_model("alarms", "DustThreshold")
    if not DustThreshold.objects.filter(parameter="pm10", period="hourly").exists():
        DustThreshold.objects.create(
            parameter="pm10", period="hourly", version=1, mode="absolute", warning_value=150, alarm_value=200,
            enabled=True, effective_from=SINCE, note="初始版本（平台默认）",
        )


def unload(apps, schema_editor):
    apps.get_model("alarms", "DustThreshold").objects.filter(parameter="pm10", period="hourly", version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("alarms", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
