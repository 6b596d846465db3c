from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "stadtlotse.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="stadtlotse-idle-clock")
