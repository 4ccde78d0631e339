from django.urls import re_path

from sitewatch.api.api import api
from sitewatch.api.views import unknown_endpoint

app_name = api.urls_namespace
urlpatterns = [
    *api.urls[0],
    # Anything else under /api/v1/ answers JSON too, not the site's HTML 404 page.
    re_path(r"^.+$", unknown_endpoint),
]
