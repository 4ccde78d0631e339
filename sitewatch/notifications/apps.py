from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sitewatch.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        # An integration switched on and misconfigured stops the start (ARCHITECTURE rule 3):
        # every command (web, monitor, gateways) loads the apps first.
        from sitewatch.notifications.transports import check_configuration

        check_configuration()
