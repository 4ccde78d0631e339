from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sitewatch.core"
    label = "core"
    verbose_name = "平台命令"
