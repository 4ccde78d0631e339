from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "sitewatch.monitoring"
    label = "monitoring"
    verbose_name = "在线状态"
