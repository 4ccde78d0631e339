"""Small helpers the form descriptions share: dates as printed on Chinese forms, check
boxes, the opinion boxes with their blank signature lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sitewatch.lib.dates import local_date
from sitewatch.onboarding.documents.layout import BLANK_DATE, Cell, Row

CHECKED, UNCHECKED = "■", "□"
COPIES_THREE = "备注：一式三份，一份提交给所属辖区质安科室/股室，一份交市质安科，一份交平台运维单位"
# The opinion rows forms 1-3 and 2 share: label, the steps whose latest is printed, who signs,
# whether the unit's seal is asked for.
PARTY_OPINIONS = {
    "contractor": ("施工单位意见", ("opinion_contractor",), "项目经理签名：", True),
    "supervisor": ("监理单位意见", ("opinion_supervisor",), "总监/专监签名：", True),
    "operator": ("平台运维单位意见", ("opinion_operator",), "授权代表人：", False),
}


class NotAvailable(Exception):
    """The form makes no sense yet for this object (e.g. 1-5 before the test is booked);
    the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def cn_date(day: dt.date | None) -> str:
    """2026-09-08 → "2026年9月8日" (as dates are written on official forms); None → ""."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def moment_date(moment: dt.datetime | None) -> str:
    """The Asia/Shanghai date of a stored moment, as printed; None → ""."""
    return cn_date(local_date(moment)) if moment else ""


def joined(*parts: str, sep: str = " ") -> str:
    return sep.join(p.strip() for p in parts if p and p.strip())


def boxes(options: Iterable[tuple[str, bool]], sep: str = "\n") -> str:
    """Check boxes as on the paper form: ■ for a ticked option, □ for the others."""
    return sep.join(f"{CHECKED if ticked else UNCHECKED}{label}" for label, ticked in options)


def steps_of_round(steps: Sequence) -> list:
    """The steps taken since the latest submission (ordered by time, then id): opinions of
    an earlier round, before the application was returned and submitted again, no longer
    count (the same rule the services apply before the decision)."""
    ordered = sorted(steps, key=lambda s: (s.at, s.id))
    last_submit = max((i for i, s in enumerate(ordered) if s.action == "submit"), default=None)
    return [] if last_submit is None else ordered[last_submit + 1:]


def latest(steps: Sequence, actions: Iterable[str]):
    wanted = set(actions)
    found = [s for s in steps if s.action in wanted]
    return found[-1] if found else None


def opinion_cell(step, sign: Sequence[str], *, with_decision: bool = False, colspan: int = 1) -> Cell:
    """An opinion box: the recorded opinion, who recorded it on the platform and when (口径
    K-F1, K-F2), and below it the form's signature lines left blank for the paper copy."""
    if step is None:
        return Cell("", colspan=colspan, sign=tuple(sign), box=True)
    opinion = step.opinion.strip() or "（未填写文字意见）"
    if with_decision:
        opinion = f"{step.label}：{opinion}"
    record = f"（平台办理记录：{step.actor_name}，{moment_date(step.at)}）"
    return Cell(opinion, colspan=colspan, sign=tuple(sign), note=record, box=True)


def signature_lines(signer: str, *, seal: bool) -> tuple[str, ...]:
    """"项目经理签名：", "（单位盖章）", "日期：    年    月   日" as on the paper forms."""
    return (signer, *(("（单位盖章）",) if seal else ()), f"日期：{BLANK_DATE}")


def brand_value(device) -> str:
    """The brand of an applied device: the catalogue's when the row names a catalogue model
    (it is what the commitment list vouches for), else the one written on the row."""
    model = getattr(device, "device_model", None)
    return model.brand if model is not None else device.brand


def brand_label(device) -> str:
    """海康 / 大华 / 其他, or the catalogue's brand name for 其他 when it has one."""
    model = getattr(device, "device_model", None)
    if model is not None:
        return model.brand_name if model.brand == "other" and model.brand_name else model.get_brand_display()
    return device.get_brand_display()


def model_label(device) -> str:
    model = getattr(device, "device_model", None)
    return (model.model if model is not None else "") or device.model


def unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def manager_contact(project) -> str:
    """施工单位联系人及电话: the project manager (the contractor's), else the contractor's contact."""
    if project.manager_name or project.manager_phone:
        return joined(project.manager_name, project.manager_phone)
    firm = project.contractor
    return joined(firm.contact_name, firm.contact_phone) if firm else ""


def label_cell(text: str, **kwargs) -> Cell:
    return Cell(text, label=True, **kwargs)


def party_opinion_row(party: str, round_steps: Sequence, *, height_mm: float) -> Row:
    """The row of one party's opinion (PARTY_OPINIONS) with its blank signature lines."""
    label, actions, signer, seal = PARTY_OPINIONS[party]
    return Row((label_cell(label), opinion_cell(latest(round_steps, actions), signature_lines(signer, seal=seal))),
               height_mm=height_mm)
