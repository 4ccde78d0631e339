"""Reference values from a CSV file (`sitewatch dust-reference import FILE`).

One row per district, parameter and hour, e.g. the hourly mean of the district's national
and provincial air stations:

    县（市、区）,参数,时段开始,参照值
    霞山区,PM10,2026-11-25 10:00,62.5

The header may also be English (district, parameter, hour, value); the parameter column
may be left out (PM10). Districts by name or code; hours in Asia/Shanghai time unless they
carry an offset, and on the hour (10:00 is the hour 10:00—11:00). UTF-8 (with or without
BOM, as Excel writes it) or GB18030. Nothing is stored unless every row is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction

from sitewatch.alarms.models import JUDGED_PARAMETERS, DustReference
from sitewatch.lib.dates import SHANGHAI
from sitewatch.registry.models import District
from sitewatch.telemetry.models import PARAMETERS

COLUMNS = {
    "district": ("district", "县（市、区）", "县(市、区)", "区县", "县区", "辖区"),
    "parameter": ("parameter", "参数", "监测参数"),
    "hour": ("hour", "时段开始", "时段", "时间"),
    "value": ("value", "参照值", "数值"),
}
PARAMETER_NAMES = {name: name for name in JUDGED_PARAMETERS}
PARAMETER_NAMES.update({PARAMETERS[name][1].lower(): name for name in JUDGED_PARAMETERS})
PARAMETER_NAMES.update({"pm2.5": "pm25", "pm₂.₅": "pm25", "pm₁₀": "pm10"})


class ReferenceFileError(ValueError):
    """The file cannot be imported; `errors` lists every problem with its line number."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ReferenceRow:
    line: int
    district_id: int
    parameter: str
    hour: dt.datetime
    value: float


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReferenceFileError(["文件编码无法识别：请保存为 UTF-8 或 GB18030（GBK）编码的 CSV。"])


def _hour(text: str) -> dt.datetime:
    text = text.strip().replace("/", "-")
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


def parse(text: str) -> list[ReferenceRow]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ReferenceFileError(["文件为空。"])
    names = [h.strip().lower() for h in header]
    index = {}
    for key, aliases in COLUMNS.items():
        for alias in aliases:
            if alias.lower() in names:
                index[key] = names.index(alias.lower())
                break
    missing = [COLUMNS[key][1] for key in ("district", "hour", "value") if key not in index]
    if missing:
        raise ReferenceFileError([f"第1行（表头）缺少列：{'、'.join(missing)}。表头应为：县（市、区）,参数,时段开始,参照值"])
    districts = {}
    for district in District.objects.all():
        districts[district.name] = district.pk
        districts[district.code] = district.pk
    rows, errors, seen = [], [], {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str, cells=cells) -> str:
            i = index.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        problems = []
        district_id = districts.get(cell("district"))
        if district_id is None:
            problems.append(f"县（市、区）“{cell('district')}”不存在")
        parameter = PARAMETER_NAMES.get(cell("parameter").lower() or "pm10")
        if parameter is None:
            problems.append(f"参数“{cell('parameter')}”无法识别（可用 PM10、PM2.5、TSP、噪声）")
        hour = None
        try:
            hour = _hour(cell("hour"))
            if hour.minute or hour.second or hour.microsecond:
                problems.append(f"时段开始“{cell('hour')}”不是整点")
        except ValueError:
            problems.append(f"时段开始“{cell('hour')}”格式不正确（应为 2026-11-25 10:00）")
        value = None
        try:
            value = float(cell("value"))
            if not value >= 0 or value == float("inf"):
                problems.append(f"参照值“{cell('value')}”必须是非负数")
        except ValueError:
            problems.append(f"参照值“{cell('value')}”不是数字")
        if not problems:
            key = (district_id, parameter, hour)
            if key in seen:
                problems.append(f"与第{seen[key]}行重复")
            seen[key] = line
        if problems:
            errors.append(f"第{line}行：{'；'.join(problems)}。")
        else:
            rows.append(ReferenceRow(line=line, district_id=district_id, parameter=parameter, hour=hour, value=value))
    if errors:
        raise ReferenceFileError(errors)
    return rows


def reference_import(*, rows: list[ReferenceRow], source: str, by=None) -> dict[str, int]:
    """Store the rows (all or none); {"created": n, "updated": m, "unchanged": k}.

    A corrected value replaces the stored one; hours already judged keep the reference they
    were judged with (DustJudgement.reference)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for row in rows:
            existing = DustReference.objects.filter(district_id=row.district_id, parameter=row.parameter,
                                                    hour=row.hour).first()
            if existing is None:
                DustReference.objects.create(district_id=row.district_id, parameter=row.parameter, hour=row.hour,
                                             value=row.value, source=source[:200], entered_by=by)
                counts["created"] += 1
            elif existing.value != row.value:
                existing.value, existing.source, existing.entered_by = row.value, source[:200], by
                existing.save(update_fields=["value", "source", "entered_by", "updated_at"])
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return counts
