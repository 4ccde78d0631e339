from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sitewatch.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from sitewatch.accounts import audit, login

        audit.connect_signals()
        login.connect_signals()
