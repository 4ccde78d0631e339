from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "sitewatch.telemetry"
    label = "telemetry"
    verbose_name = "监测数据"
