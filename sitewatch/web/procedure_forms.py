"""Forms 2 (迁移、拆除申请), 3/4 (告知书登记) and 5 (不能接入说明) on a page: they parse the
input with Chinese errors; the services (onboarding.changes, onboarding.statements) decide
who may file and what the rules allow."""

from __future__ import annotations

from django import forms

from sitewatch.onboarding.models import ChangeKind, NoticeKind

DATE_ERRORS = {"required": "请填写日期。", "invalid": "日期格式应为 年-月-日。"}


class PointChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        where = f"，{obj.location}" if obj.location else ""
        return f"{obj.name}（{obj.get_kind_display()}{where}）"


class ChangeForm(forms.Form):
    """迁移、拆除申请表（附件2）."""

    kind = forms.ChoiceField(label="申请类型", choices=ChangeKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "请选择迁移或拆除。", "invalid_choice": "申请类型无效。"})
    points = PointChoices(label="点位", queryset=None, widget=forms.CheckboxSelectMultiple,
                          error_messages={"required": "请选择要迁移或拆除的点位。",
                                          "invalid_choice": "所选点位不是本项目在用的点位。",
                                          "invalid_pk_value": "所选点位无效。"})
    reason = forms.CharField(label="原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写迁移、拆除的原因。",
                                             "max_length": "原因不能超过 2000 个字。"})
    new_location = forms.CharField(label="迁移后的位置（迁移时填写）", max_length=200, required=False,
                                   error_messages={"max_length": "位置不能超过 200 个字。"})

    def __init__(self, *args, points, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["points"].queryset = points


class TowerCranePoint(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.location}）" if obj.location else obj.name


class NoticeForm(forms.Form):
    """塔式起重机拆卸告知（附件3）, 终止/中止施工安全监督告知书（附件4）."""

    kind = forms.ChoiceField(label="告知类型", choices=NoticeKind.choices,
                             error_messages={"required": "请选择告知类型。", "invalid_choice": "告知类型无效。"})
    point = TowerCranePoint(label="塔吊球机点位（仅塔式起重机拆卸告知）", queryset=None, required=False,
                            empty_label="—", error_messages={"invalid_choice": "所选点位不是本项目的塔吊球机点位。"})
    number = forms.CharField(label="文号", max_length=100, required=False,
                             error_messages={"max_length": "文号不能超过 100 个字。"})
    issued_on = forms.DateField(label="告知日期", widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages=DATE_ERRORS)

    def __init__(self, *args, cranes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = cranes


class StatementForm(forms.Form):
    """不能接入说明（附件5）."""

    reason = forms.CharField(label="不能接入的原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": "请填写不能接入的原因。",
                                             "max_length": "原因不能超过 2000 个字。"})
    promised_date = forms.DateField(label="承诺接入日期", widget=forms.DateInput(attrs={"type": "date"}),
                                    error_messages=DATE_ERRORS)


def first_error(form: forms.Form) -> str:
    """The form's first error, for the alert at the top of the page."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "输入有误，请检查后重试。"
