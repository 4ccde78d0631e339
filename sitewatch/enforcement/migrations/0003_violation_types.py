"""The seven violation types of 附件6 as data (the city administrator edits them later; each
edit keeps a revision), and the state of cases opened before the case workflow existed."""

from django.db import migrations

SG56 = ("《广东省住房和城乡建设厅关于印发房屋建筑和市政基础设施工程施工质量安全动态管理办法的通知》"
        "（粤建规范〔2017〕2号）“SG5-6 对建设行政主管部门或质安监机构发出的整改通知，未督促施工现场落实整改的”。")
ART83 = ("《广东省大气污染防治条例》（广东省人大公告第20号，2018年版）第八十三条“施工单位未安装视频监控设备、"
         "颗粒物在线监测系统，处五万元以上十万元以下的罚款；拒不改正的，责令停工整治”。")
GUIDELINE = "《湛江市房屋市政工程项目实时远程视频监控和扬尘监测管理工作指引（试行）》附件6。"
ORDER_DEDUCT = "1.责令限期整改；2.复检未落实对施工企业进行省动态扣5分"
ORDER_INTERVIEW_DISTRICT = "1.责令限期整改；2.区监督站对施工单位进行督导、约谈"

TYPES = [
    # kind, number, found by, measures, legal basis, working days, automatic re-check, escalations
    ("no_video", 1, "现场抽查、后台线上巡查", ORDER_DEDUCT + "；3.对施工单位处五万元以上十万元以下的罚款",
     f"1.{SG56}\n2.{ART83}", 5, False, ["deduction", "fine"]),
    ("cameras_short", 2, "现场抽查", ORDER_INTERVIEW_DISTRICT, GUIDELINE, 5, False, ["interview"]),
    ("not_connected", 3, "后台线上巡查", ORDER_DEDUCT, SG56, 5, True, ["deduction"]),
    ("not_viewable", 4, "后台线上巡查", ORDER_DEDUCT, SG56, 5, True, ["deduction"]),
    ("site_behaviour", 5, "后台线上巡查",
     "根据具体违规行为，责令相关单位整改、约谈、对责任单位进行省动态扣分、行政处罚、实施差异化管理",
     f"{GUIDELINE}\n{SG56}", 3, False, ["differentiated"]),
    ("no_dust_monitor", 6, "现场抽查", ORDER_DEDUCT + "；3.对施工单位处五万元以上十万元以下的罚款",
     f"1.{SG56}\n2.{ART83}", 5, False, ["deduction", "fine"]),
    ("dust_offline", 7, "后台线上巡查", "1.责令限期整改；2.所在辖区监督站对施工单位进行督导、约谈", GUIDELINE, 5, True,
     ["interview"]),
]


def seed(apps, schema_editor):
    ViolationType = apps.get_model("enforcement", "ViolationType")
    for kind, number, found_by, measures, basis, days, auto, escalations in TYPES:
        ViolationType.objects.update_or_create(kind=kind, defaults=dict(
            number=number, found_by=found_by, measures=measures, legal_basis=basis, rectify_days=days,
            auto_recheck=auto, escalations=escalations))
    Violation = apps.get_model("enforcement", "Violation")
    Violation.objects.filter(is_open=False).update(state="closed")


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0002_cases")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
