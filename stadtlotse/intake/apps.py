from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "stadtlotse.intake"
    label = "intake"

    def ready(self):
        # The tickets app below calls these by name (tickets/hooks.py); it may not import this app.
        from stadtlotse.tickets import hooks

        from . import confirmation, media, tasks

        hooks.listen("photo_changed", tasks.queue_photo)
        hooks.listen("render_photo", media.process)
        hooks.listen("nightly_retention", lambda: confirmation.expire(commit=True))
