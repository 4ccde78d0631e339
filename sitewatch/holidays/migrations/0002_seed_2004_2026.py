"""Seed the official holidays and make-up working days of 2004–2026 from chinesecalendar.

The package transcribes the State Council's yearly notices (国务院办公厅关于部分节假日
安排的通知); it stops at 2026, and later years are entered by the city administrator.
"""

from django.db import migrations

FIRST_YEAR, LAST_YEAR = 2004, 2026
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def load(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar import constants

    CalendarYear = apps.get_model("holidays", "CalendarYear")
    CalendarDay = apps.get_model("holidays", "CalendarDay")
    source = f"国务院办公厅关于{{year}}年部分节假日安排的通知（据 chinesecalendar {chinese_calendar.__version__} 导入）"
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        CalendarYear.objects.get_or_create(year=year, defaults={"source_notice": source.format(year=year)})
    rows = []
    for kind, table in (("holiday", constants.holidays), ("workday", constants.workdays)):
        for day, name in table.items():
            if FIRST_YEAR <= day.year <= LAST_YEAR:
                label = HOLIDAY_NAMES.get(str(name), str(name))
                rows.append(CalendarDay(calendar_id=day.year, date=day, kind=kind, name=label[:50]))
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)


def unload(apps, schema_editor):
    apps.get_model("holidays", "CalendarYear").objects.filter(year__range=(FIRST_YEAR, LAST_YEAR)).delete()


class Migration(migrations.Migration):
    dependencies = [("holidays", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
