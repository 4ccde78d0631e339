"""Forms of the case pages (附件6): the case board's filters, an on-site or video-patrol
record, a type's edit. They parse input with Chinese errors; the enforcement services
decide who may act and what the rules allow."""

from __future__ import annotations

from django import forms

from sitewatch.accounts.visibility import Scope
from sitewatch.enforcement.models import CaseState, MeasureKind, SiteRecordKind, ViolationKind
from sitewatch.enforcement.services import BEHAVIOURS, ONSITE_KINDS
from sitewatch.web.forms import ALL, FilterForm, _district_field, district_choices

NONE_FOUND = ("", "未发现违规")


class CaseFilterForm(FilterForm):
    district = _district_field()
    kind = forms.ChoiceField(label="违规类型", required=False, choices=[ALL, *ViolationKind.choices],
                             error_messages={"invalid_choice": "所选违规类型无效。"})
    state = forms.ChoiceField(label="状态", required=False, choices=[ALL, *CaseState.choices],
                              error_messages={"invalid_choice": "所选案件状态无效。"})
    overdue = forms.TypedChoiceField(
        label="逾期", required=False, choices=[ALL, ("yes", "逾期未整改"), ("no", "未逾期")],
        coerce=lambda value: value == "yes", empty_value=None,
        error_messages={"invalid_choice": "“逾期”只能选择逾期未整改、未逾期或全部。"})

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        if scope.sees_all:
            self.fields["district"].choices = district_choices(scope)
        else:  # a district sees its own cases only; a firm its projects' (no district to pick)
            del self.fields["district"]


class SiteRecordForm(forms.Form):
    """现场检查（类型1、2、6）或视频巡查（类型5）记录."""

    kind = forms.ChoiceField(label="记录类型", choices=SiteRecordKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "请选择现场检查或视频巡查。", "invalid_choice": "记录类型无效。"})
    violation_kind = forms.ChoiceField(
        label="现场检查发现的违规", required=False,
        choices=[NONE_FOUND, *((k.value, k.label) for k in ONSITE_KINDS)],
        error_messages={"invalid_choice": "现场检查只登记类型1、2、6的违规。"})
    behaviours = forms.MultipleChoiceField(
        label="视频巡查发现的违规行为", required=False, choices=[(b, b) for b in BEHAVIOURS],
        widget=forms.CheckboxSelectMultiple, error_messages={"invalid_choice": "未知的违规行为：%(value)s。"})
    observed_at = forms.DateTimeField(
        label="检查（巡查）时间", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "请填写检查（巡查）时间。", "invalid": "时间格式应为 年-月-日 时:分。"})
    findings = forms.CharField(label="检查（巡查）情况", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
                               error_messages={"required": "请填写检查（巡查）情况。",
                                               "max_length": "检查情况不能超过 4000 个字。"})
    latitude = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6,
                                  min_value=-90, max_value=90,
                                  error_messages={"invalid": "纬度应为数字。", "max_digits": "纬度位数过多。",
                                                  "max_decimal_places": "纬度最多保留6位小数。",
                                                  "min_value": "纬度超出范围。", "max_value": "纬度超出范围。"})
    longitude = forms.DecimalField(label="经度", required=False, max_digits=9, decimal_places=6,
                                   min_value=-180, max_value=180,
                                   error_messages={"invalid": "经度应为数字。", "max_digits": "经度位数过多。",
                                                   "max_decimal_places": "经度最多保留6位小数。",
                                                   "min_value": "经度超出范围。", "max_value": "经度超出范围。"})

    def clean_latitude(self):
        return _rounded(self.cleaned_data.get("latitude"))

    def clean_longitude(self):
        return _rounded(self.cleaned_data.get("longitude"))


def _rounded(value):
    return None if value is None else round(value, 6)


class ViolationTypeForm(forms.Form):
    """A type as the city administrator edits it."""

    found_by = forms.CharField(label="发现方式", max_length=100,
                               error_messages={"required": "请填写发现方式。", "max_length": "发现方式不能超过 100 个字。"})
    measures = forms.CharField(label="处理措施", widget=forms.Textarea(attrs={"rows": 3}),
                               error_messages={"required": "请填写处理措施。"})
    legal_basis = forms.CharField(label="法律依据（写明法规名称、版本和条款）", widget=forms.Textarea(attrs={"rows": 3}),
                                  error_messages={"required": "请填写法律依据。"})
    rectify_days = forms.IntegerField(label="整改期限（工作日）", min_value=1, max_value=60,
                                      error_messages={"required": "请填写整改期限。", "invalid": "整改期限应为整数。",
                                                      "min_value": "整改期限应为 1 至 60 个工作日。",
                                                      "max_value": "整改期限应为 1 至 60 个工作日。"})
    escalations = forms.MultipleChoiceField(label="复查未通过时的升级处理措施", required=False,
                                            choices=MeasureKind.choices, widget=forms.CheckboxSelectMultiple,
                                            error_messages={"invalid_choice": "未知的升级处理措施。"})

