from django.urls import path

from sitewatch.web import assessments, cases, documents, procedures, sanctions, views

app_name = "web"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout, name="logout"),
    # Ahead of admin.site.urls in the root URLconf, so the admin signs in through the throttled form.
    path("admin/login/", views.AdminLoginView.as_view(), name="admin_login"),
    path("", views.home, name="home"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("devices/", views.device_list, name="device_list"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("unregistered/", views.unregistered_list, name="unregistered_list"),
    path("firms/", views.firm_list, name="firm_list"),
    path("notifications/", views.notification_list_view, name="notification_list"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("projects/<int:pk>/apply/", views.application_new, name="application_new"),
    path("materials/<int:pk>/", views.material_download, name="material_download"),
    path("documents/<str:form>/<int:pk>.<str:fmt>", documents.download, name="document"),
    path("projects/<int:pk>/changes/new/", procedures.change_new, name="change_new"),
    path("changes/<int:pk>/", procedures.change_detail, name="change_detail"),
    path("projects/<int:pk>/notices/new/", procedures.notice_new, name="notice_new"),
    path("projects/<int:pk>/cannot-connect/new/", procedures.statement_new, name="statement_new"),
    path("statements/<int:pk>/", procedures.statement_detail, name="statement_detail"),
    path("assessments/", assessments.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", assessments.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/evidence.json", assessments.assessment_evidence, name="assessment_evidence"),
    path("assessments/integrators/<int:firm_pk>/", assessments.integrator_history, name="integrator_history"),
    path("episodes/", assessments.episode_list, name="episode_list"),
    path("episodes/<int:pk>/report/", assessments.episode_report, name="episode_report"),
    path("sanctions/<int:pk>/", sanctions.sanction_detail, name="sanction_detail"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/stats/", cases.case_stats, name="case_stats"),
    path("cases/stats.xlsx", cases.case_stats_xlsx, name="case_stats_xlsx"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/evidence/<int:evidence_pk>/", cases.evidence_download, name="case_evidence"),
    path("projects/<int:pk>/site-records/new/", cases.site_record_new, name="site_record_new"),
    path("violation-types/", cases.violation_types, name="violation_types"),
]
