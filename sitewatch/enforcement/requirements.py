"""The camera requirement matrix by construction stage (监控摄像头数量、部分, 附件6 type 2;
口径 K-V5), read from the ENFORCEMENT_CAMERA_REQUIREMENTS setting. Pure: settings.py checks
the value at start with it, before any app is loaded, so a wrong value stops the start
with a Chinese message naming the variable."""

from __future__ import annotations

import json

from sitewatch.lib.env import ConfigError

SETTING = "ENFORCEMENT_CAMERA_REQUIREMENTS"
# registry.ProjectStage and registry.PointKind (camera kinds), as codes and labels; kept here
# because settings.py cannot import models (tests/enforcement/test_detection.py checks they agree).
STAGES = {"earthwork": "出土", "foundation_pit": "基坑施工", "main_structure": "主体施工"}
CAMERA_KINDS = {
    "entrance_dome": "出入口球机", "entrance_plate": "出入口车牌抓拍机", "pit_dome": "基坑球机",
    "tower_crane_dome": "塔吊球机", "work_area_dome": "施工现场球机", "living_area_dome": "生活区球机",
    "other_dome": "其他球机",
}
_EARTHWORK = {"entrance_dome": 1, "entrance_plate": 1, "work_area_dome": 1}
# Minimums by stage. Tower cranes and living areas are not in the registry as counts: every
# registered tower-crane or living-area point needs its camera on top of these (K-V5).
DEFAULT = {
    "earthwork": _EARTHWORK,
    "foundation_pit": {**_EARTHWORK, "pit_dome": 1},
    "main_structure": {**_EARTHWORK, "pit_dome": 1},
}


def requirements_from_setting(text: str | None) -> dict[str, dict[str, int]]:
    """{stage code: {point kind code: minimum count}}; stages and kinds may be written as codes
    or as their Chinese names. A stage left out keeps its default."""
    if not text:
        return {stage: dict(kinds) for stage, kinds in DEFAULT.items()}
    try:
        given = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"环境变量 {SETTING} 不是有效的 JSON：{exc.msg}（第 {exc.pos + 1} 个字符）。") from exc
    example = '{"出土": {"出入口球机": 1, "出入口车牌抓拍机": 1, "施工现场球机": 1}}'
    if not isinstance(given, dict):
        raise ConfigError(f"环境变量 {SETTING} 应为 JSON 对象（按施工阶段列出各类点位的最少数量），例如 {example}。")
    stage_codes = {**{c: c for c in STAGES}, **{label: c for c, label in STAGES.items()}}
    kind_codes = {**{c: c for c in CAMERA_KINDS}, **{label: c for c, label in CAMERA_KINDS.items()}}
    matrix = {stage: dict(kinds) for stage, kinds in DEFAULT.items()}
    for stage_name, kinds in given.items():
        stage = stage_codes.get(stage_name)
        if stage is None:
            raise ConfigError(f"环境变量 {SETTING} 含未知的施工阶段“{stage_name}”；可用：{'、'.join(STAGES.values())}。")
        if not isinstance(kinds, dict):
            raise ConfigError(f"环境变量 {SETTING} 中“{stage_name}”应为对象（点位类型: 数量），例如 {example}。")
        row = {}
        for kind_name, count in kinds.items():
            kind = kind_codes.get(kind_name)
            if kind is None:
                raise ConfigError(f"环境变量 {SETTING} 中“{stage_name}”含未知的摄像机点位类型“{kind_name}”；可用："
                                  f"{'、'.join(CAMERA_KINDS.values())}。")
            if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 99:
                raise ConfigError(f"环境变量 {SETTING} 中“{stage_name}”的“{kind_name}”数量应为 0 至 99 的整数，"
                                  f"当前为 {count!r}。")
            row[kind] = count
        matrix[stage] = row
    return matrix
