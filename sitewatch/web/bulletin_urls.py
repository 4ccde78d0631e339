"""The monthly bulletin's URLs (included from the root URLconf): public pages under
/public/assessment/ (no login) and the city bureau's preview under /assessment-bulletins/."""

from django.urls import path

from sitewatch.web import bulletins

app_name = "bulletins"
urlpatterns = [
    path("public/assessment/", bulletins.public_list, name="public_list"),
    path("public/assessment/<str:month>/", bulletins.public_detail, name="public_detail"),
    path("public/assessment/<str:month>.<str:fmt>", bulletins.public_file, name="public_file"),
    path("assessment-bulletins/", bulletins.manage, name="manage"),
    path("assessment-bulletins/<str:month>/", bulletins.preview, name="preview"),
    path("assessment-bulletins/<str:month>/publish/", bulletins.publish, name="publish"),
]
