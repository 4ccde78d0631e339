"""Zhanjiang's ten county-level units, as data (DOMAIN §1)."""

from django.db import migrations

DISTRICTS = [
    ("440802", "赤坎区"),
    ("440803", "霞山区"),
    ("440811", "麻章区"),
    ("440804", "坡头区"),
    # The economic and technological development zone has no GB/T 2260 code of its own.
    ("440891", "湛江经济技术开发区"),
    ("440823", "遂溪县"),
    ("440825", "徐闻县"),
    ("440881", "廉江市"),
    ("440882", "雷州市"),
    ("440883", "吴川市"),
]


def load(apps, schema_editor):
    District = apps.get_model("registry", "District")
    for order, (code, name) in enumerate(DISTRICTS, start=1):
        District.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})


def unload(apps, schema_editor):
    apps.get_model("registry", "District").objects.filter(code__in=[c for c, _ in DISTRICTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
