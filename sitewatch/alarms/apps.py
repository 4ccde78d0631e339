from django.apps import AppConfig


class AlarmsConfig(AppConfig):
    name = "sitewatch.alarms"
    label = "alarms"
    verbose_name = "扬尘阈值与报警"
