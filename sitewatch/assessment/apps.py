from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "sitewatch.assessment"
    verbose_name = "系统集成商考核"
