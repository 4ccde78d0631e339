from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "sitewatch.enforcement"
    verbose_name = "违规与整改"
