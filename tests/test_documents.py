"""The guideline's forms generated from the database (附件1-1 … 附件5), as PDF and DOCX: what
they print, that the PDF's fonts are embedded and the page is not blank, the DOCX's real
tables, and who may download them."""

from __future__ import annotations

import ctypes
import datetime as dt
import io
from urllib.parse import quote

import docx
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from django.urls import reverse
from docx.oxml.ns import qn

from sitewatch.onboarding.changes import change_act, change_create, notice_register
from sitewatch.onboarding.documents import (
    Cell,
    Row,
    Table,
    application_documents,
    document_build,
    document_filename,
    document_render,
)
from sitewatch.onboarding.services import application_device_tested
from sitewatch.onboarding.statements import cannot_connect_file
from sitewatch.registry.models import MonitoringPoint, Project
from tests.test_onboarding_services import SH, T0, act, make, review

pytestmark = pytest.mark.django_db

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


# --- reading what was generated -------------------------------------------------------------

def pdf_pages(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    return [page.get_textpage().get_text_range() for page in pdf]


def pdf_text(data: bytes) -> str:
    """All pages' text without line breaks or spaces (a long cell wraps wherever it fits)."""
    return "".join("".join(pdf_pages(data)).split())


def ink(data: bytes) -> int:
    """Pixels that are not white on page 1 rendered at 72 dpi."""
    image = pdfium.PdfDocument(data)[0].render(scale=1).to_pil().convert("L")
    return sum(image.histogram()[:200])


def pdf_fonts(data: bytes) -> list[tuple[str, bool, int]]:
    """(font name, embedded, size of the embedded font program) of every text object."""
    fonts = []
    pdf = pdfium.PdfDocument(data)
    for page in pdf:
        for obj in page.get_objects(max_depth=5):
            if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
                font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
                name = ctypes.create_string_buffer(256)
                pdfium_c.FPDFFont_GetBaseFontName(font, name, 256)
                size = ctypes.c_size_t(0)
                pdfium_c.FPDFFont_GetFontData(font, None, 0, ctypes.byref(size))
                fonts.append((name.value.decode(), bool(pdfium_c.FPDFFont_GetIsEmbedded(font)), size.value))
    return fonts


def docx_tables(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def row_with(table: list[list[str]], label: str) -> list[str]:
    return next(row for row in table if row[0] == label)


def both(form: str, obj) -> tuple[bytes, bytes]:
    document = document_build(form, obj)
    return document_render(document, "pdf"), document_render(document, "docx")


# --- the onboarding forms (附件1-1 … 1-6) -----------------------------------------------------

def test_application_form_prints_project_parties_and_every_installation_point(users, project):
    app = make(users, project)
    act(users, app, "submit", "contractor", dt.datetime(2026, 9, 28, 9, 0, tzinfo=SH))
    pdf, word = both("1-1", app)
    text = pdf_text(pdf)
    assert "附件1-1" in text and "工地设备接入申请单" in text and project.name in text
    assert "区/县：霞山区" in text and "设备接入数量：2路" in text and "日期：2026年9月28日" in text
    assert "1号出入口（网络高清球机）" in text and "海康／DS-TEST／—／—" in text and "安装位置5" in text
    assert ink(pdf) > 5000
    table = docx_tables(word)[0]
    assert row_with(table, "工程名称")[1] == project.name
    assert row_with(table, "建设单位")[1] == project.builder.name
    assert row_with(table, "安装位置2")[1:3] == ["扬尘（扬尘监测仪）"] * 2  # one cell merged over two columns


def test_pdf_embeds_every_font_and_names_noto_cjk(users, project):
    pdf = document_render(document_build("1-1", make(users, project)), "pdf")
    fonts = pdf_fonts(pdf)
    assert fonts and all(embedded and size > 1000 for _, embedded, size in fonts)  # the programs travel along
    assert {name.split("+")[-1] for name, _, _ in fonts} >= {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC"}


def test_docx_names_an_east_asian_font_for_chinese_text(users, project):
    word = document_render(document_build("1-1", make(users, project)), "docx")
    document = docx.Document(io.BytesIO(word))
    cell_run = document.tables[0].cell(0, 1).paragraphs[0].runs[0]
    assert cell_run.text == project.name
    assert cell_run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    normal = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "宋体"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_review_form_prints_the_four_opinions_and_leaves_signatures_blank(users, project):
    app = make(users, project)
    act(users, app, "submit", "contractor")
    act(users, app, "opinion_contractor", "contractor", opinion="同意申请接入，点位按图布置")
    act(users, app, "opinion_supervisor", "supervisor", opinion="已核对设备型号与服务协议一致")
    act(users, app, "opinion_operator", "operator", opinion="设备参数满足平台要求")
    act(users, app, "approve", "xiashan", dt.datetime(2026, 9, 30, 15, 0, tzinfo=SH), opinion="资料齐全，同意接入")
    pdf, word = both("1-3", app)
    text = pdf_text(pdf)
    for expected in ("监管平台接入审核意见书", project.name, "同意申请接入，点位按图布置", "已核对设备型号与服务协议一致",
                     "设备参数满足平台要求", "审核通过：资料齐全，同意接入", "项目经理签名：", "总监/专监签名：",
                     "授权代表人：", "（单位盖章）", "日期：年月日", "2026年9月30日",
                     "备注：一式三份，一份提交给所属辖区质安科室/股室，一份交市质安科，一份交平台运维单位"):
        assert expected in text, expected
    assert ink(pdf) > 5000
    table = docx_tables(word)[0]
    contractor_box = row_with(table, "施工单位意见")[1]
    assert contractor_box.startswith("同意申请接入，点位按图布置\n（平台办理记录：")
    assert "项目经理签名：" in contractor_box and "年    月    日" in contractor_box
    district_box = row_with(table, "所属辖区科室/\n股室意见")[1]
    assert "审核通过：资料齐全，同意接入" in district_box and "霞山区住房和城乡建设局" in district_box


def test_review_form_drops_opinions_of_a_round_before_the_application_was_returned(users, project):
    app = make(users, project)
    act(users, app, "submit", "contractor")
    act(users, app, "opinion_contractor", "contractor", opinion="第一轮意见")
    act(users, app, "return", "xiashan", opinion="缺少拓扑图")
    act(users, app, "submit", "contractor", T0 + dt.timedelta(days=1))
    text = pdf_text(document_render(document_build("1-3", app), "pdf"))
    assert "第一轮意见" not in text and "缺少拓扑图" not in text and "项目经理签名：" in text


def test_commitment_letter_prints_the_guideline_text_and_the_contacts(users, project):
    app = make(users, project)
    pdf, word = both("1-4", app)
    text = pdf_text(pdf)
    integrator = project.integrator
    assert "湛江市智慧渣土平台接入承诺书" in text and f"*工地名称：{project.name}" in text
    assert "保证设备离线率不超过10%" in text and f"设备安装单位（公章）：{integrator.name}" in text
    assert f"*安装单位联系人：{integrator.contact_name}" in text and integrator.contact_phone in text
    assert f"*项目负责人：{project.manager_name}" in text and project.manager_phone in text
    assert ink(pdf) > 5000
    assert "五、若违反上述规定，我司将自愿承担相应的责任。" in docx_text(word)


def test_test_application_ticks_the_stage_and_brand_and_counts_points(users, project):
    app = make(users, project)
    review(users, app)
    act(users, app, "book", "contractor")
    pdf, word = both("1-5", app)
    text = pdf_text(pdf)
    stage = {"earthwork": "出土", "foundation_pit": "基坑施工", "main_structure": "主体施工"}[project.stage]
    assert "湛江市智慧工地设备调试申请表" in text and f"项目名称：{project.name}" in text
    assert f"■{stage}" in text and text.count("■") == 3 and "■海康" in text and "□大华" in text and "■其他" in text
    assert "王工" in text and "13800000000" in text and "2026年9月29日" in text and "2026年10月9日" in text
    assert "备注：一式二份，一份提交给所属辖区质安科/质安股，一份交平台运维单位" in text
    assert ink(pdf) > 5000
    table = docx_tables(word)[0]
    assert row_with(table, "项目资料")[1:5] == ["设备调试申请人", "王工", "联系方式", "13800000000"]
    entrance = next(row for row in table if "出入口球机（个）" in row)
    assert entrance[entrance.index("出入口球机（个）") + 1] == "1"
    dust = next(row for row in table if "扬尘监测（个）" in row)
    assert dust[dust.index("扬尘监测（个）") + 1] == "1" and dust[dust.index("基坑球机（个）") + 1] == "0"
    assert table[1][1:3] == ["扬尘设备型号", "其他 YC-TEST"]


def test_sign_off_lists_devices_by_kind_and_who_received_and_took_them(users, project):
    app = make(users, project)
    review(users, app)
    act(users, app, "book", "contractor")
    act(users, app, "check_in", "operator", dt.datetime(2026, 9, 29, 10, 0, tzinfo=SH))
    for device in app.devices.all():
        application_device_tested(user=users["operator"], device=device, passed=True, now=T0)
    act(users, app, "pass_test", "operator")
    act(users, app, "pick_up", "operator", dt.datetime(2026, 10, 12, 15, 0, tzinfo=SH))
    pdf, word = both("1-6", app)
    text = pdf_text(pdf)
    assert "湛江市智慧工地设备调试签领表" in text and project.name in text and "李师傅" in text
    assert "2026年9月29日" in text and "2026年10月12日" in text and "一式二份" in text
    assert ink(pdf) > 5000
    table = docx_tables(word)[0]
    camera = next(row for row in table if row[1] == "网络高清球机\n品牌/数量")
    assert camera[2:5] == ["海康 1", "型号", "DS-TEST"]
    assert next(row for row in table if row[1] == "设备总数合计（件）")[2] == "2"
    receipt = next(row for row in table if row[0] == "设备收件人签名")
    assert users["operator"].organisation.name in receipt[2] and "签名：" in receipt[2]
    assert receipt[3:] == ["设备收件日期", "2026年9月29日"]


def test_the_application_page_offers_the_forms_that_make_sense(users, project, login):
    app = make(users, project)
    assert [d.code for d in application_documents(app) if d.reason is None] == ["1-1", "1-3", "1-4"]
    page = login("contractor").get(reverse("web:application_detail", args=[app.pk])).content.decode()
    assert reverse("web:document", args=["1-3", app.pk, "pdf"]) in page
    assert reverse("web:document", args=["1-1", app.pk, "docx"]) in page
    assert reverse("web:document", args=["1-5", app.pk, "pdf"]) not in page
    assert "设备调试申请表（附件1-5）在预约测试（填写调试日期）后提供。" in page


def test_forms_that_make_no_sense_yet_answer_404_in_chinese(users, project, login):
    app = make(users, project)
    client = login("contractor")
    response = client.get(reverse("web:document", args=["1-5", app.pk, "pdf"]))
    assert response.status_code == 404 and "预约测试" in response.content.decode()
    response = client.get(reverse("web:document", args=["1-6", app.pk, "docx"]))
    assert response.status_code == 404 and "登记送测设备后提供" in response.content.decode()


# --- relocation and removal, notices, statements (附件2, 4, 5) --------------------------------

def test_removal_form_prints_five_opinions_and_the_city_s_decision(users, project):
    point = MonitoringPoint.objects.filter(project=project).exclude(kind="tower_crane_dome").first()
    notice_register(user=users["xiashan"], project=project, kind="terminated", issued_on=dt.date(2026, 11, 20),
                    now=T0)
    change = change_create(user=users["contractor"], project=project, kind="remove", points=[point],
                           reason="工程终止施工，拆除监控设备", now=T0)
    change_act(user=users["contractor"], change=change, action="submit", now=T0)
    for action, who, opinion in (("opinion_contractor", "contractor", "申请拆除"),
                                 ("opinion_supervisor", "supervisor", "情况属实"),
                                 ("opinion_district", "xiashan", "已办理终止施工安全监督手续"),
                                 ("opinion_operator", "operator", "已停止该点位考核")):
        change_act(user=users[who], change=change, action=action, now=T0, opinion=opinion)
    change_act(user=users["city"], change=change, action="approve", now=T0, opinion="同意拆除")
    pdf, word = both("2", change)
    text = pdf_text(pdf)
    for expected in ("建筑工地监控点拆除申请表", project.name, "工程终止施工，拆除监控设备", f"共1个：{point.name}",
                     "申请拆除", "情况属实", "已办理终止施工安全监督手续", "已停止该点位考核",
                     "批准（市住建局意见）：同意拆除", "市局主管部门意见", "一式三份"):
        assert expected in text, expected
    assert ink(pdf) > 5000
    table = docx_tables(word)[0]
    assert row_with(table, "所属辖区科室/股室意见")[1].startswith("已办理终止施工安全监督手续")
    assert "签名：" in row_with(table, "市局主管部门意见")[1]


def test_relocation_form_is_titled_移位_and_names_the_new_place(users, project):
    point = MonitoringPoint.objects.filter(project=project).first()
    change = change_create(user=users["contractor"], project=project, kind="relocate", points=[point],
                           reason="出入口改道", new_location="东侧新出入口", now=T0)
    text = pdf_text(document_render(document_build("2", change), "pdf"))
    assert "建筑工地监控点移位申请表" in text and "移位后位置：东侧新出入口" in text and "拆除申请表" not in text


def test_termination_and_suspension_notices_print_number_builder_project_and_date(users, project):
    terminated = notice_register(user=users["xiashan"], project=project, kind="terminated", number="15",
                                 issued_on=dt.date(2026, 11, 20), now=T0)
    pdf, word = both("4", terminated)
    text = pdf_text(pdf)
    assert "终止施工安全监督告知书" in text and "湛建安监（2026）终字第15号" in text
    assert f"{project.builder.name}：" in text and f"因你单位建设的{project.name}终止施工" in text
    assert "接收人（签名）：" in text and "（监督机构盖章）" in text and "2026年11月20日" in text
    assert ink(pdf) > 3000
    assert "特此通知。" in docx_text(word)
    suspended = notice_register(user=users["xiashan"], project=project, kind="suspended",
                                number="霞建安监（2026）中字第3号", issued_on=dt.date(2026, 11, 21), now=T0)
    text = pdf_text(document_render(document_build("4", suspended), "pdf"))
    assert "中止施工安全监督告知书" in text and "霞建安监（2026）中字第3号" in text and "终止" not in text
    assert "工程恢复施工前，应向我站申办恢复施工安全监督手续。" in text and "特此告知。" in text


def test_statement_prints_reason_promised_date_and_the_filing_unit(users, project):
    statement = cannot_connect_file(user=users["contractor"], project=project, reason="现场尚未通电。",
                                    promised_date=dt.date(2026, 12, 20), now=dt.datetime(2026, 11, 2, 9, tzinfo=SH))
    pdf, word = both("5", statement)
    text = pdf_text(pdf)
    assert f"关于{project.name}无法接入湛江市智慧渣土平台的情况说明" in text
    assert "霞山区住房和城乡建设局：" in text
    assert f"{project.name}由于现场尚未通电，暂无法接入湛江市智慧渣土平台。我单位承诺2026年12月20日前" in text
    assert project.contractor.name in text and "（单位盖章）" in text and "2026年11月2日" in text
    assert ink(pdf) > 3000
    assert "（单位盖章）" in docx_text(word)


# --- downloads: who may, what comes back -------------------------------------------------------

def test_the_project_s_contractor_downloads_pdf_and_docx_with_a_chinese_file_name(users, project, login):
    app = make(users, project)
    client = login("contractor")
    response = client.get(reverse("web:document", args=["1-1", app.pk, "pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response["Cache-Control"] == "private, no-store"
    assert client.head(reverse("web:document", args=["1-1", app.pk, "pdf"])).status_code == 200
    name = f"附件1-1_接入申请表_{project.name}.pdf"
    assert f"filename*=UTF-8''{quote(name)}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith(f'attachment; filename="form-1-1-{app.pk}.pdf"')
    response = login("xiashan").get(reverse("web:document", args=["1-3", app.pk, "docx"]))
    assert response.status_code == 200 and response["Content-Type"] == DOCX_TYPE
    assert docx_tables(response.content)[0][0][1] == project.name


def test_another_district_gets_404_and_anonymous_users_are_sent_to_login(users, project, login, client):
    app = make(users, project)
    statement = cannot_connect_file(user=users["contractor"], project=project, reason="待供电",
                                    promised_date=dt.date(2026, 12, 20), now=dt.datetime(2026, 11, 2, 9, tzinfo=SH))
    for form, pk in (("1-1", app.pk), ("1-3", app.pk), ("5", statement.pk)):
        url = reverse("web:document", args=[form, pk, "pdf"])
        assert login("chikan").get(url).status_code == 404
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


def test_unknown_form_format_or_a_tower_crane_notice_is_404_and_post_is_refused(users, project, login):
    app = make(users, project)
    crane = MonitoringPoint.objects.create(project=project, kind="tower_crane_dome", name="文书测试塔吊球机")
    notice = notice_register(user=users["xiashan"], project=project, kind="tower_crane", point=crane,
                             issued_on=dt.date(2026, 11, 20), now=T0)
    client = login("city")
    assert client.get(reverse("web:document", args=["1-2", app.pk, "pdf"])).status_code == 404
    assert client.get(reverse("web:document", args=["1-1", app.pk, "odt"])).status_code == 404
    assert client.get(reverse("web:document", args=["4", notice.pk, "pdf"])).status_code == 404
    assert client.get(reverse("web:document", args=["2", 999999, "pdf"])).status_code == 404  # no such change
    assert client.post(reverse("web:document", args=["1-1", app.pk, "pdf"])).status_code == 405


# --- the description itself ---------------------------------------------------------------------

def test_a_row_that_does_not_fill_the_table_is_refused():
    table = Table((1, 1, 1), (Row((Cell("a", rowspan=2), Cell("b"), Cell("c"))), Row((Cell("d"),))))
    with pytest.raises(ValueError, match="第2行未填满表格"):
        table.placed()


def test_file_names_keep_chinese_and_replace_what_file_systems_refuse(users, project):
    app = make(users, project)
    project.name = '霞山区/某"项目"'
    assert document_filename(document_build("1-4", app), "docx") == "附件1-4_接入承诺书_霞山区_某_项目.docx"
    assert document_filename(document_build("1-1", app), "pdf") == "附件1-1_接入申请表_霞山区_某_项目.pdf"
