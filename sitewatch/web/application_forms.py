"""Form 1-1 (接入申请表) on a page: the application's facts and its points with devices, as
a Django form and formset with Chinese errors; the service decides who may file."""

from __future__ import annotations

from django import forms

from sitewatch.registry.models import Brand, DeviceKind, DeviceModel, Firm, PointKind

DEVICE_ROWS = 6  # empty rows offered; more points are added after saving as a draft, or by the API


class ApplicationForm(forms.Form):
    integrator = forms.ModelChoiceField(label="系统集成商（设备安装单位）", queryset=Firm.objects.none(),
                                        error_messages={"required": "请选择系统集成商。",
                                                        "invalid_choice": "所选系统集成商无效。"})
    planned_start = forms.DateField(label="计划开工日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                    error_messages={"invalid": "日期格式应为 年-月-日。"})
    planned_end = forms.DateField(label="计划竣工日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"invalid": "日期格式应为 年-月-日。"})
    address = forms.CharField(label="项目地址", max_length=300, required=False)
    contacts = forms.CharField(label="联系人及电话", max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    commitment_letter_signed = forms.BooleanField(label="已签署承诺书（附件1-4）", required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["integrator"].queryset = Firm.objects.filter(is_integrator=True).order_by("name")
        self.fields["integrator"].initial = project.integrator_id
        self.fields["address"].initial = project.address

    def clean(self):
        data = super().clean()
        if data.get("planned_start") and data.get("planned_end") and data["planned_end"] < data["planned_start"]:
            self.add_error("planned_end", "计划竣工日期不能早于开工日期。")
        return data


BLANK = [("", "—")]  # an untouched row posts only blanks, so the formset skips it


class DeviceRowForm(forms.Form):
    point_name = forms.CharField(label="安装点位", max_length=100, error_messages={"required": "请填写安装点位。"})
    point_kind = forms.ChoiceField(label="点位类型", choices=BLANK + PointKind.choices,
                                   error_messages={"required": "请选择点位类型。"})
    device_kind = forms.ChoiceField(label="设备类型", choices=BLANK + DeviceKind.choices,
                                    error_messages={"required": "请选择设备类型。"})
    brand = forms.ChoiceField(label="品牌", choices=BLANK + Brand.choices, required=False)
    device_model = forms.ModelChoiceField(label="型号（目录）", queryset=DeviceModel.objects.order_by("kind", "model"),
                                          required=False, error_messages={"invalid_choice": "所选型号无效。"})
    model = forms.CharField(label="型号（目录外填写）", max_length=100, required=False)
    apn_card = forms.CharField(label="4G卡号", max_length=30, required=False)
    ip_address = forms.GenericIPAddressField(label="IP地址", required=False,
                                             error_messages={"invalid": "IP 地址格式不正确。"})


DeviceRows = forms.formset_factory(DeviceRowForm, extra=DEVICE_ROWS, max_num=200, validate_min=True, min_num=0)


def device_rows(formset) -> list[dict]:
    """The filled rows (an untouched row is skipped), blank IP addresses as None."""
    rows = [dict(form.cleaned_data) for form in formset.forms if form.has_changed() and form.cleaned_data]
    for row in rows:
        row["ip_address"] = row.get("ip_address") or None
        row["brand"] = row.get("brand") or Brand.OTHER
    return rows
