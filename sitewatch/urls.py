from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("sitewatch.web.urls")),
    path("", include("sitewatch.web.bulletin_urls")),
    path("api/v1/", include("sitewatch.api.urls")),
    path("admin/", admin.site.urls),
]
