from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sitewatch.registry"
    label = "registry"
    verbose_name = "登记台账"
