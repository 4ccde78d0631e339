from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sitewatch.api"
    label = "api"
    verbose_name = "接口"
