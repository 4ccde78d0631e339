"""Filter forms: they turn query strings into selector arguments, with Chinese errors."""

from __future__ import annotations

from django import forms

from sitewatch.accounts.models import Role
from sitewatch.accounts.visibility import Scope
from sitewatch.monitoring.models import Protocol
from sitewatch.registry.models import DeviceKind, Firm, ProjectStatus

ALL = ("", "全部")
Q_MAX = 100


def district_choices(scope: Scope) -> list[tuple]:
    """A district official only ever picks its own district; everyone else picks any, or all."""
    districts = scope.districts()
    if scope.role == Role.DISTRICT:
        return [(d.pk, d.name) for d in districts.filter(pk=scope.district_id)]
    return [ALL] + [(d.pk, d.name) for d in districts]


def _district_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="县（市、区）", required=False, coerce=int, empty_value=None,
        error_messages={"invalid_choice": "所选县（市、区）无效或不在您的管辖范围内。"},
    )


def _q_field(label: str) -> forms.CharField:
    return forms.CharField(
        label="搜索", required=False, max_length=Q_MAX, strip=True,
        widget=forms.TextInput(attrs={"placeholder": label, "type": "search"}),
        error_messages={"max_length": f"搜索内容不能超过{Q_MAX}个字符。"},
    )


class FilterForm(forms.Form):
    """Bound to request.GET; invalid fields are reported and left out of the query."""

    def filters(self) -> dict:
        self.is_valid()
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}

    def error_list(self) -> list[str]:
        return [message for errors in self.errors.values() for message in errors]


class ProjectFilterForm(FilterForm):
    district = _district_field()
    status = forms.ChoiceField(
        label="状态", required=False, choices=[ALL, *ProjectStatus.choices],
        error_messages={"invalid_choice": "所选项目状态无效。"},
    )
    must_connect = forms.TypedChoiceField(
        label="须接入", required=False, choices=[ALL, ("yes", "是"), ("no", "否")],
        coerce=lambda value: value == "yes", empty_value=None,
        error_messages={"invalid_choice": "“须接入”只能选择是、否或全部。"},
    )
    q = _q_field("名称、地址或施工单位")

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        self.fields["district"].choices = district_choices(scope)


class DeviceFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label="设备类型", required=False, choices=[ALL, *DeviceKind.choices],
        error_messages={"invalid_choice": "所选设备类型无效。"},
    )
    district = _district_field()
    q = _q_field("名称、序列号、型号、MN或国标编码")

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        self.fields["district"].choices = district_choices(scope)


class FirmFilterForm(FilterForm):
    role = forms.ChoiceField(
        label="单位类型", required=False,
        choices=[ALL] + [(role, Firm._meta.get_field(field).verbose_name) for role, field in Firm.ROLE_FIELDS.items()],
        error_messages={"invalid_choice": "所选单位类型无效。"},
    )
    q = _q_field("单位名称或统一社会信用代码")


class UnregisteredFilterForm(FilterForm):
    protocol = forms.ChoiceField(
        label="协议", required=False, choices=[ALL, *Protocol.choices],
        error_messages={"invalid_choice": "所选协议无效。"},
    )
