"""The forms of the onboarding procedure (附件1-1, 1-3, 1-4, 1-5, 1-6), built from an
application as the guideline lays them out. Where the guideline leaves a box open to
interpretation, the choice is a 口径 (K-F…) in docs/口径说明.md."""

from __future__ import annotations

from collections import Counter

from sitewatch.onboarding.documents.common import (
    COPIES_THREE,
    boxes,
    brand_label,
    brand_value,
    cn_date,
    joined,
    label_cell,
    latest,
    manager_contact,
    model_label,
    moment_date,
    opinion_cell,
    party_opinion_row,
    signature_lines,
    steps_of_round,
    unique,
)
from sitewatch.onboarding.documents.layout import BLANK_DATE, Cell, Document, Para, Row, Table
from sitewatch.registry.models import Brand, DeviceKind, PointKind, ProjectStage

# A monitoring point is a camera channel or a dust monitor (DOMAIN §8); NVRs, disks,
# routers and APN cards are equipment behind points and are not counted as 路/点位.
POINT_DEVICE_KINDS = frozenset({DeviceKind.CAMERA, DeviceKind.PLATE_CAMERA, DeviceKind.DUST_MONITOR})
PAPER_POSITIONS = 5  # the paper form 1-1 has five 安装位置 rows
OPINION_HEIGHT = 30  # mm: room for the opinion, the record line and the blank signature lines


_label = label_cell


def _devices(application) -> list:
    return list(application.devices.select_related("device_model").order_by("id"))


def _points(devices) -> list:
    return [d for d in devices if d.device_kind in POINT_DEVICE_KINDS]


def _points_text(devices) -> str:
    points = _points(devices)
    if not points:
        return ""
    return f"共{len(points)}个：" + "、".join(f"{d.point_name}（{d.get_point_kind_display()}）" for d in points)


def _title_suffix(application) -> str:
    return "（复工重新接入）" if application.kind == "resumption" else ""


def application_form(application) -> Document:
    """附件1-1 工地设备接入申请单."""
    project = application.project
    devices = _devices(application)
    integrator = application.integrator
    date = moment_date(application.submitted_at) or "20    年    月    日"
    header = Para(f"区/县：{project.district.name}　　设备接入数量：{len(_points(devices))} 路　　日期：{date}",
                  align="center")
    firm = {role: (getattr(project, role).name if getattr(project, role) else "")
            for role in ("builder", "contractor", "supervisor")}
    rows = [
        Row((_label("工程名称"), Cell(project.name, colspan=5))),
        Row((_label("建设单位"), Cell(firm["builder"], colspan=5))),
        Row((_label("施工单位"), Cell(firm["contractor"], colspan=5))),
        Row((_label("监理单位"), Cell(firm["supervisor"], colspan=5))),
        Row((_label("开工日期"), Cell(cn_date(application.planned_start or project.planned_start), colspan=2),
             _label("竣工日期"), Cell(cn_date(application.planned_end or project.planned_finish), colspan=2))),
        Row((_label("项目地址"), Cell(application.address or project.address, colspan=2),
             _label("项目经理及电话"), Cell(joined(project.manager_name, project.manager_phone), colspan=2))),
        Row((_label("设备安装单位"), Cell(integrator.name, colspan=2),
             _label("工地管理员及电话"), Cell(application.contacts, colspan=2))),
        Row((_label("系统对接人"), Cell(integrator.contact_name), _label("联系\n电话"),
             Cell(integrator.contact_phone), _label("邮箱"), Cell(integrator.contact_email))),
    ]
    for number in range(max(PAPER_POSITIONS, len(devices))):
        position = details = ""
        if number < len(devices):
            d = devices[number]
            position = f"{d.point_name}（{d.get_device_kind_display()}）"
            details = "／".join((brand_label(d), model_label(d) or "—", d.apn_card or "—", d.ip_address or "—"))
        rows.append(Row((_label(f"安装位置{number + 1}"), Cell(position, colspan=2),
                         _label("品牌/型号/4G卡号/IP地址"), Cell(details, colspan=2))))
    return Document(
        form="1-1", annex="附件1-1", title="工地设备接入申请单" + _title_suffix(application),
        short_name="接入申请表", subject=project.name,
        blocks=(header, Table((17, 13, 12, 22, 10, 26), tuple(rows)),
                Para(f"施工单位（盖章）：{firm['contractor']}", align="right", space_before_mm=4),
                Para("*1视频、扬尘设备检测报告，扬尘设备CCEP证书（第二次申请同型号不用提交）", small=True,
                     space_before_mm=4),
                Para("*2施工平面图（按照发文要求的设备点位分布CAD平面图）和设备与网络结构拓扑图", small=True),
                Para("*3文明工地服务协议（协议需体现现场设备型号与申请的型号一致）", small=True)))


def _site_summary(application) -> str:
    project = application.project
    start = cn_date(application.planned_start or project.planned_start)
    end = cn_date(application.planned_end or project.planned_finish)
    lines = [f"项目地址：{application.address or project.address or '—'}",
             f"项目建设阶段：{project.get_stage_display()}",
             f"计划工期：{start or '—'}至{end or '—'}",
             f"设备安装单位（系统集成商）：{application.integrator.name}"]
    if application.route:
        lines.append(f"接入路线：{application.get_route_display()}")
    return "\n".join(lines)


def review_form(application) -> Document:
    """附件1-3 监管平台接入审核意见书: the four opinions of the latest review round."""
    project = application.project
    devices = _devices(application)
    round_steps = steps_of_round(list(application.steps.all()))
    rows = (
        Row((_label("工地名称"), Cell(project.name))),
        Row((_label("施工单位联系人及电话"), Cell(manager_contact(project)))),
        Row((_label("视频监控安装日期"), Cell(moment_date(application.connected_at)))),
        Row((_label("申请接入监控点位置及数量"), Cell(_points_text(devices)))),
        Row((Cell("工地情况说明：\n" + _site_summary(application), colspan=2, box=True),), height_mm=26),
        party_opinion_row("contractor", round_steps, height_mm=OPINION_HEIGHT),
        party_opinion_row("supervisor", round_steps, height_mm=OPINION_HEIGHT),
        party_opinion_row("operator", round_steps, height_mm=OPINION_HEIGHT),
        Row((_label("所属辖区科室/\n股室意见"),
             opinion_cell(latest(round_steps, ["approve", "return", "reject"]), signature_lines("签名：", seal=False),
                          with_decision=True)),
            height_mm=OPINION_HEIGHT),
    )
    return Document(form="1-3", annex="附件1-3", title="监管平台接入审核意见书" + _title_suffix(application),
                    short_name="接入审核意见书", subject=project.name,
                    blocks=(Table((30, 70), rows), Para(COPIES_THREE, small=True, space_before_mm=3)))


COMMITMENTS = (
    "根据湛江市住房和城乡建设局《关于印发湛江市房屋市政工程项目实时远程视频监控和扬尘监测实施方案的通知》"
    "《关于实施全市房屋建筑工程视频监控及扬尘监测 APN 专线网络的通知》的要求，我司将作出以下承诺：",
    "一、严格执行各级政府部门的相关工作要求和按合同履约，保证项目使用的监控设备和网络设备按照文件通知要求网络传输通信，"
    "设备参数及不低于通知要求。",
    "二、按照通知要求完成设备安装并接入至湛江市智慧渣土综合监管平台，培训和指导项目管理人员。",
    "三、严格按照4G APN专线网络接入平台，保障设备接入的网络安全，不得利用网络攻击政务网、综合监管平台和数据库，"
    "保障设备采集数据的安全性，并承担因网络攻击或者数据泄露引发的相应法律责任。",
    "四、工地现场监控设备出现故障时，应及时进行维修处理，保证设备离线率不超过10%，若故障无法排除，使用备用机替代工作，"
    "确保设备能正常运转。",
    "五、若违反上述规定，我司将自愿承担相应的责任。",
)


def commitment_letter(application) -> Document:
    """附件1-4 湛江市智慧渣土平台接入承诺书, signed and sealed by the installer on paper."""
    project = application.project
    integrator = application.integrator
    blocks = [Para("注：备案申请表中的信息除法定代表人电话外将在我局网页上公示。", small=True)]
    blocks += [Para(text, indent=True, align="justify", space_before_mm=4 if i == 0 else 1)
               for i, text in enumerate(COMMITMENTS)]
    blocks += [
        Para(f"*工地名称：{project.name}", space_before_mm=12),
        Para(f"*安装单位联系人：{integrator.contact_name}　　联系电话：{integrator.contact_phone}", space_before_mm=4),
        Para(f"*项目负责人：{project.manager_name}　　联系电话：{project.manager_phone}", space_before_mm=4),
        Para(f"设备安装单位（公章）：{integrator.name}", space_before_mm=12),
        Para(BLANK_DATE, align="right", space_before_mm=16),
    ]
    return Document(form="1-4", annex="附件1-4", title="湛江市智慧渣土平台接入承诺书", short_name="接入承诺书",
                    subject=project.name, blocks=tuple(blocks), body_pt=13)


def test_application_unavailable(application) -> str | None:
    if application.test_date is None:
        return "设备调试申请表（附件1-5）在预约测试（填写调试日期）后提供。"
    return None


def sign_off_unavailable(application) -> str | None:
    if application.checked_in_at is None:
        return "设备调试签领表（附件1-6）在平台运维单位登记送测设备后提供。"
    return None


def test_application_form(application) -> Document:
    """附件1-5 湛江市智慧工地设备调试申请表, from the booking of the test."""
    project = application.project
    devices = _devices(application)
    by_point = Counter(d.point_kind for d in devices if d.device_kind in POINT_DEVICE_KINDS)
    by_kind = Counter(d.device_kind for d in devices)
    main = [d for d in devices if d.device_kind in (*POINT_DEVICE_KINDS, DeviceKind.NVR)]
    brands = {brand_value(d) for d in main}
    dust_models = unique(joined(brand_label(d), model_label(d)) for d in devices
                         if d.device_kind == DeviceKind.DUST_MONITOR)
    stage = boxes((label, project.stage == value) for value, label in ProjectStage.choices)
    brand_boxes = boxes((label, value in brands) for value, label in Brand.choices)

    def count(kind_label: str, n: int) -> tuple[Cell, Cell]:
        return _label(f"{kind_label}（个）"), Cell(str(n), align="center")

    point_cells = [count(label, by_point[value]) for value, label in PointKind.choices]
    point_cells += [count("硬盘录像机", by_kind[DeviceKind.NVR]), count("路由器", by_kind[DeviceKind.ROUTER])]
    plan_rows = []
    for i in range(0, len(point_cells), 2):
        cells = (*point_cells[i], *point_cells[i + 1])
        if i == 0:
            cells = (_label("安装方案\n（设备明细、\n附件）", rowspan=len(point_cells) // 2), *cells)
        plan_rows.append(Row(cells))
    checked_in = moment_date(application.checked_in_at)
    rows = (
        Row((_label("项目资料", rowspan=3), _label("设备调试申请人"), Cell(application.test_applicant),
             _label("联系方式"), Cell(application.test_applicant_phone))),
        Row((_label("扬尘设备型号"), Cell("、".join(dust_models), colspan=3))),
        Row((_label("项目建设阶段"), Cell(stage), _label("设备品牌"), Cell(brand_boxes))),
        *plan_rows,
        Row((_label("审核人", colspan=2), Cell(""), _label("日期"), Cell(""))),
        Row((_label("交收设备对接人", colspan=2), Cell(application.received_by_name if checked_in else ""),
             _label("日期"), Cell(checked_in))),
        Row((_label("申请人员", colspan=2), Cell(application.test_applicant), _label("申请日期"),
             Cell(cn_date(application.test_date)))),
        Row((_label("领取人员", colspan=2), Cell(application.picked_up_by_name), _label("领取日期"),
             Cell(cn_date(application.pickup_date)))),
    )
    header = Para(f"项目名称：{project.name}\n项目地址：{application.address or project.address}\n"
                  f"服务商名称：{application.integrator.name}")
    return Document(form="1-5", annex="附件1-5", title="湛江市智慧工地设备调试申请表", short_name="设备调试申请表",
                    subject=project.name,
                    blocks=(header, Table((12, 22, 24, 20, 22), rows),
                            Para("备注：一式二份，一份提交给所属辖区质安科/质安股，一份交平台运维单位", small=True,
                                 space_before_mm=3)))


SIGN_OFF_KINDS = (  # (device kind, caption of its brand/quantity box, caption of its model box)
    (DeviceKind.CAMERA, "网络高清球机\n品牌/数量", "型号"),
    (DeviceKind.PLATE_CAMERA, "车牌抓拍枪机\n品牌/数量", "型号"),
    (DeviceKind.DUST_MONITOR, "扬尘监测仪\n品牌/数量", "型号"),
    (DeviceKind.NVR, "NVR硬盘录像机品牌/数量", "型号"),
    (DeviceKind.HARD_DISK, "硬盘品牌/数量", "大小"),
    (DeviceKind.ROUTER, "路由器品牌/\n数量", "型号"),
)


def apn_cards(devices) -> list[str]:
    """The APN card numbers handed over: the 4G card numbers written on the application's rows."""
    return unique(d.apn_card.strip() for d in devices)


def sign_off_form(application) -> Document:
    """附件1-6 湛江市智慧工地设备调试签领表: what was handed over at check-in and taken back."""
    project = application.project
    devices = _devices(application)
    device_rows = []
    for kind, caption, model_caption in SIGN_OFF_KINDS:
        of_kind = [d for d in devices if d.device_kind == kind]
        per_brand = Counter(brand_label(d) for d in of_kind)
        quantity = "、".join(f"{brand} {n}" for brand, n in per_brand.items())
        models = "、".join(unique(model_label(d) for d in of_kind))
        device_rows.append(Row((_label(caption), Cell(quantity), _label(model_caption), Cell(models))))
    cards = apn_cards(devices)
    apn_rows = [d for d in devices if d.device_kind == DeviceKind.APN_CARD]
    card_count = max(len(cards), len(apn_rows))
    device_rows.append(Row((_label("APN卡数量"), Cell(str(card_count), align="center"), _label("卡号"),
                            Cell("、".join(cards)))))
    total = len([d for d in devices if d.device_kind != DeviceKind.APN_CARD]) + card_count
    device_rows.append(Row((_label("设备总数合计（件）"), Cell(str(total), colspan=3, align="center"))))
    first = device_rows[0]
    device_rows[0] = Row((_label("设备\n列表", rowspan=len(device_rows)), *first.cells))
    signed = ("签名：",)
    rows = (
        Row((_label("项\n目\n资\n料", rowspan=2), _label("项目名称"), Cell(project.name, colspan=3))),
        Row((_label("设备调试\n申请人"), Cell(application.test_applicant), _label("联系方式"),
             Cell(application.test_applicant_phone))),
        *device_rows,
        Row((_label("设备收件人签名", colspan=2), Cell(application.received_by_name, sign=signed),
             _label("设备收件日期"), Cell(moment_date(application.checked_in_at))), height_mm=16),
        Row((_label("设备领取人签名", colspan=2), Cell(application.picked_up_by_name, sign=signed),
             _label("设备领取日期"), Cell(moment_date(application.picked_up_at))), height_mm=16),
    )
    return Document(form="1-6", annex="附件1-6", title="湛江市智慧工地设备调试签领表", short_name="设备调试签领表",
                    subject=project.name,
                    blocks=(Table((8, 24, 28, 17, 23), rows),
                            Para("备注：设备齐全安排调试，设备不齐全的请尽快补充完整。一式二份，设备送测及设备领取时，"
                                 "运维单位及送检单位双方需签字确认。", small=True, space_before_mm=3)))
