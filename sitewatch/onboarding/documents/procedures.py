"""The forms after onboarding: 附件2 (relocation or removal of points, five opinions), 附件4
(the notices ending or suspending safety supervision) and 附件5 (the statement of a project
that cannot connect yet), as the guideline words and lays them out."""

from __future__ import annotations

import re

from sitewatch.onboarding.documents.common import (
    COPIES_THREE,
    NotAvailable,
    cn_date,
    label_cell,
    latest,
    manager_contact,
    moment_date,
    opinion_cell,
    party_opinion_row,
    signature_lines,
    steps_of_round,
)
from sitewatch.onboarding.documents.layout import Cell, Document, Para, Row, Table

OPINION_HEIGHT = 27  # mm; five opinions must still fit one A4 page


_label = label_cell


def ending(name: str, word: str) -> str:
    """The project's name in the blank before a printed 工程/项目: "某某安置房项目" stays as it
    is (not "某某安置房项目工程"), "某某楼" becomes "某某楼工程"."""
    return name if name.endswith(("工程", "项目")) else name + word


def change_form(change) -> Document:
    """附件2 建筑工地监控点（移位/拆除）申请表, with the five opinions of the latest round."""
    from sitewatch.onboarding.models import Application

    project = change.project
    word = "拆除" if change.kind == "remove" else "移位"
    points = list(change.points.order_by("name", "id"))
    where = "、".join(f"{p.name}（{p.get_kind_display()}）" for p in points)
    where = f"共{len(points)}个：{where}" if points else ""
    if change.kind != "remove" and change.new_location:
        where += f"\n移位后位置：{change.new_location}"
    connected = (Application.objects.filter(project=project, connected_at__isnull=False)
                 .order_by("-connected_at").values_list("connected_at", flat=True).first())
    round_steps = steps_of_round(list(change.steps.all()))
    rows = (
        Row((_label("工地名称"), Cell(project.name))),
        Row((_label("施工单位联系人及电话"), Cell(manager_contact(project)))),
        Row((_label("视频监控安装日期"), Cell(moment_date(connected)))),
        Row((_label("申请移位/拆除监控点\n位置及数量"), Cell(where))),
        Row((Cell(f"工地情况说明：\n{change.reason}", colspan=2, box=True),), height_mm=22),
        party_opinion_row("contractor", round_steps, height_mm=OPINION_HEIGHT),
        party_opinion_row("supervisor", round_steps, height_mm=OPINION_HEIGHT),
        Row((_label("所属辖区科室/股室意见"), opinion_cell(latest(round_steps, ["opinion_district"]),
                                                         signature_lines("签名：", seal=False))),
            height_mm=OPINION_HEIGHT),
        party_opinion_row("operator", round_steps, height_mm=OPINION_HEIGHT),
        Row((_label("市局主管部门意见"), opinion_cell(latest(round_steps, ["approve", "reject"]),
                                                     signature_lines("签名：", seal=False), with_decision=True)),
            height_mm=OPINION_HEIGHT),
    )
    return Document(form="2", annex="附件2", title=f"建筑工地监控点{word}申请表", short_name=f"监控点{word}申请表",
                    subject=project.name,
                    blocks=(Table((30, 70), rows), Para(COPIES_THREE, small=True, space_before_mm=3)))


# 附件4, word for word. The 中止 notice is the guideline's own (it differs from 终止 in more
# than the one word: "我单位", the care of the site while work stops, how to resume).
NOTICE_TEXT = {
    "terminated": ("终止施工安全监督告知书", "终",
                   ("因你单位建设的{project}终止施工，我站自本告知书下发之日起，终止对该工程的施工安全监督。",
                    "特此通知。")),
    "suspended": ("中止施工安全监督告知书", "中",
                  ("因你单位建设的{project}中止施工，自本告知书下发之日起，我单位中止对该工程的施工安全监督。",
                   "请你单位在中止施工期间，继续加强施工现场安全管理，按规定对现场、临边洞口、设备机具等危险场所进行围蔽和防护。",
                   "工程恢复施工前，应向我站申办恢复施工安全监督手续。",
                   "特此告知。")),
}


def notice_number(notice, letter: str) -> str:
    """The 文号 as printed: a registered full 文号 verbatim; a bare serial number in the
    guideline's pattern 湛建安监（年）终字第N号 with the year of issue; none: the blank line."""
    number = notice.number.strip()
    if not number:
        return f"湛建安监（    ）{letter}字第          号"
    if re.fullmatch(r"\d+", number):
        return f"湛建安监（{notice.issued_on.year}）{letter}字第{number}号"
    return number


def notice_form(notice) -> Document:
    """附件4 终止/中止施工安全监督告知书, to the builder of the project."""
    if notice.kind not in NOTICE_TEXT:
        raise NotAvailable("只有终止、中止施工安全监督告知书（附件4）可以生成文书。")
    title, letter, body = NOTICE_TEXT[notice.kind]
    project = notice.project
    builder = project.builder.name if project.builder else "              （建设单位名称）"
    blocks = [Para(notice_number(notice, letter), align="center"),
              Para(f"{builder}：", space_before_mm=8)]
    blocks += [Para(text.format(project=ending(project.name, "工程")), indent=True, align="justify",
                    space_before_mm=2) for text in body]
    blocks += [Para("接收人（签名）：", space_before_mm=24),
               Para("（监督机构盖章）", align="right", space_before_mm=16),
               Para(cn_date(notice.issued_on), align="right", space_before_mm=2)]
    return Document(form="4", annex="附件4", title=title, short_name=title, subject=project.name,
                    blocks=tuple(blocks), body_pt=14)


def _district_bureau(project) -> str:
    from sitewatch.accounts.models import Organisation, Role

    org = Organisation.objects.filter(role=Role.DISTRICT, district_id=project.district_id).order_by("pk").first()
    return org.name if org else f"{project.district.name}住房和城乡建设局"


def _filer_unit(statement) -> str:
    org = getattr(statement.filed_by, "organisation", None)
    if org is not None:
        return org.firm.name if org.firm_id else org.name
    return statement.filed_by_name


def statement_form(statement) -> Document:
    """附件5 关于…项目无法接入湛江市智慧渣土平台的情况说明, to the district bureau."""
    project = statement.project
    subject = ending(project.name, "项目")
    reason = statement.reason.strip().rstrip("。；;，,.")
    blocks = (
        Para(f"{_district_bureau(project)}：", space_before_mm=6),
        Para(f"{subject}由于{reason}，暂无法接入湛江市智慧渣土平台。我单位承诺{cn_date(statement.promised_date)}"
             "前安装相关监控设备并接入湛江智慧渣土平台。", indent=True, align="justify", space_before_mm=2),
        Para(_filer_unit(statement), align="right", space_before_mm=30),
        Para("（单位盖章）", align="right", space_before_mm=2),
        Para(moment_date(statement.filed_at), align="right", space_before_mm=2),
        Para(f"（平台填报记录：{statement.filed_by_name}，{moment_date(statement.filed_at)}）", small=True,
             space_before_mm=20),
    )
    return Document(form="5", annex="附件5", title=f"关于{subject}无法接入湛江市\n智慧渣土平台的情况说明",
                    short_name="不能接入情况说明", subject=project.name, blocks=blocks, body_pt=14)
