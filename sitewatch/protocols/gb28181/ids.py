"""The 20-digit GB/T 28181 identifier (统一编码, 编码规则 A, Appendix D.1 of the 2016 edition).

Layout, digit positions counted from 1::

    1-8   中心编码: administrative division per GB/T 2260 (2 province + 2 city + 2 county)
          plus 2 digits for the base unit; unused tail digits are 0
    9-10  行业编码 (e.g. 00 社会治安路面, 08 城市管理, 44 建筑业接入)
    11-13 类型编码 (111 DVR, 118 NVR, 131 摄像机, 132 IPC, 200 平台, 215/216 目录节点 ...)
    14    网络标识
    15-20 序号

The 2016 text counts digits 14-20 as a 7-digit 序号; the 2022 edition (Appendix E) makes
digit 14 the network id. We split per 2022 because nothing in the platform reads the serial
as a number, and the network digit is then available when someone needs it.

Catalogue nodes may also carry 2, 4, 6 or 8-digit ids: those are administrative-division
nodes (CivilCode tree), not devices, so they are deliberately *not* a :class:`GbId`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "GB_TYPE_NAMES",
    "GbId",
    "InvalidGbId",
    "is_admin_node",
    "is_gb_id",
    "parse_gb_id",
]

# [0-9], not \d: str.isdigit() and \d accept full-width and other Unicode digits, which a
# device could send and which would then break every SIP URI we build from the id.
_GB_ID = re.compile(r"[0-9]{20}")
_ADMIN_NODE = re.compile(r"(?:[0-9]{2}){1,4}")

# Type codes (digits 11-13). Names follow the standard's table (as listed by wvp's
# DeviceTypeEnum); the platform shows them to people, so they are Chinese.
GB_TYPE_NAMES: dict[str, str] = {
    "111": "DVR",
    "112": "视频服务器",
    "113": "编码器",
    "114": "解码器",
    "115": "视频切换矩阵",
    "116": "音频切换矩阵",
    "117": "报警控制器",
    "118": "网络视频录像机(NVR)",
    "119": "预留",
    "120": "在线视频图像信息采集系统",
    "121": "视频卡口",
    "122": "多目设备",
    "123": "停车场出入口控制设备",
    "124": "人员出入口控制设备",
    "125": "安检设备",
    "130": "混合硬盘录像机(HVR)",
    "131": "摄像机",
    "132": "网络摄像机(IPC)",
    "133": "显示器",
    "134": "报警输入设备",
    "135": "报警输出设备",
    "136": "语音输入设备",
    "137": "语音输出设备",
    "138": "移动传输设备",
    "139": "其他外围设备",
    "140": "报警输出设备(继电器或触发器控制)",
    "141": "道闸",
    "142": "智能门",
    "143": "凭证识别单元",
    "200": "中心信令控制服务器",
    "201": "Web应用服务器",
    "203": "代理服务器",
    "204": "安全服务器",
    "205": "报警服务器",
    "206": "数据库服务器",
    "207": "GIS服务器",
    "208": "管理服务器",
    "209": "接入网关",
    "210": "媒体存储服务器",
    "211": "信令安全路由网关",
    "215": "业务分组",
    "216": "虚拟组织",
    "300": "中心用户",
    "400": "终端用户",
    "500": "视频图像信息综合应用平台",
    "501": "视频图像信息运维管理平台",
    "502": "视频图像分析系统",
    "503": "视频图像信息数据库",
    "505": "视频图像分析设备",
}

_INDUSTRY_NAMES: dict[str, str] = {
    "00": "社会治安路面接入",
    "01": "社会治安社区接入",
    "02": "社会治安内部接入",
    "03": "社会治安其他接入",
    "04": "交通路面接入",
    "05": "交通卡口接入",
    "06": "交通内部接入",
    "07": "交通其他接入",
    "08": "城市管理接入",
    "09": "卫生环保接入",
    "10": "商检海关接入",
    "11": "教育部门接入",
    "12": "民航接入",
    "13": "铁路接入",
    "14": "航运接入",
    "40": "农、林、牧、渔业接入",
    "41": "采矿业接入",
    "42": "制造业接入",
    "43": "电力、热力、燃气及水生产和供应业接入",
    "44": "建筑业接入",
    "45": "批发和零售业接入",
}

# Ranges of type codes (D.1): 111-130 front-end main devices, 131-199 peripherals, 200-299
# platform devices, 300-399 centre users, 400-499 terminal users, 500-599 external servers.
_TYPE_CATEGORIES: tuple[tuple[int, int, str], ...] = (
    (111, 130, "前端主设备"),
    (131, 199, "前端外围设备"),
    (200, 299, "平台设备"),
    (300, 399, "中心用户"),
    (400, 499, "终端用户"),
    (500, 599, "平台外接服务器"),
)


class InvalidGbId(ValueError):
    """Not a 20-digit GB/T 28181 id. The message is bilingual: it reaches both the people
    entering ids in the web UI and the logs."""


@dataclass(frozen=True, slots=True)
class GbId:
    """A parsed 20-digit id.

    The type code is *not* trusted to tell what a device is: installers choose ids by
    hand, so a Hikvision NVR may register as 111 (DVR) and its channels as 131 or 132
    (the SRS captures show exactly that). Use it for display and as a hint only; the
    platform's device records say what a device really is.
    """

    text: str
    centre: str  # digits 1-8
    province: str  # digits 1-2
    city: str  # digits 3-4
    county: str  # digits 5-6
    industry: str  # digits 9-10
    type_code: str  # digits 11-13
    network: str  # digit 14
    serial: str  # digits 15-20

    def __str__(self) -> str:
        return self.text

    @property
    def district_code(self) -> str:
        """The county-level GB/T 2260 code (first 6 digits), e.g. 440802 for 湛江市赤坎区."""
        return self.text[:6]

    @property
    def province_code(self) -> str:
        return self.province + "0000"

    @property
    def city_code(self) -> str:
        return self.province + self.city + "00"

    @property
    def domain(self) -> str:
        """The SIP domain derived from the id: its first 10 digits (2016 §6.1.2, "domain宜采用
        ID统一编码的前十位编码"); a platform's realm is usually its own id's domain."""
        return self.text[:10]

    @property
    def type_name(self) -> str | None:
        """Chinese name of the type code, None for codes the standard does not list."""
        return GB_TYPE_NAMES.get(self.type_code)

    @property
    def type_category(self) -> str | None:
        code = int(self.type_code)
        for low, high, name in _TYPE_CATEGORIES:
            if low <= code <= high:
                return name
        return None

    @property
    def industry_name(self) -> str | None:
        return _INDUSTRY_NAMES.get(self.industry)

    @property
    def is_catalog_group(self) -> bool:
        """215 业务分组 or 216 虚拟组织: a catalogue folder, never a channel."""
        return self.type_code in ("215", "216")


def parse_gb_id(text: str) -> GbId:
    """Parse a 20-digit id; surrounding whitespace is ignored (copied from spreadsheets)."""
    if not isinstance(text, str):
        raise InvalidGbId(f"国标编码应为文本 / GB id must be a string, got {type(text).__name__}")
    value = text.strip()
    if not _GB_ID.fullmatch(value):
        raise InvalidGbId(f"国标编码必须是20位数字 / GB id must be exactly 20 ASCII digits: {value[:40]!r}")
    return GbId(
        text=value,
        centre=value[0:8],
        province=value[0:2],
        city=value[2:4],
        county=value[4:6],
        industry=value[8:10],
        type_code=value[10:13],
        network=value[13],
        serial=value[14:20],
    )


def is_gb_id(text: str) -> bool:
    """True for a valid 20-digit id (after stripping surrounding whitespace)."""
    return isinstance(text, str) and _GB_ID.fullmatch(text.strip()) is not None


def is_admin_node(text: str) -> bool:
    """True for a 2, 4, 6 or 8-digit catalogue node id: an administrative division
    (province, city, county, base unit) in a platform's catalogue tree, not a device."""
    return isinstance(text, str) and _ADMIN_NODE.fullmatch(text.strip()) is not None
