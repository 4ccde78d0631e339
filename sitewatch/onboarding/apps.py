from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "sitewatch.onboarding"
    verbose_name = "接入程序"
