from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "stadtlotse.intake"
    label = "intake"

    def ready(self) -> None:
        # The tickets app below calls these by name (tickets/hooks.py); it may not import this app.
        from stadtlotse.tickets import hooks

        from . import confirmation

        hooks.listen("nightly_retention", lambda: confirmation.expire(commit=True))
