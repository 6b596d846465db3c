from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "stadtlotse.media"
    label = "media"

    def ready(self) -> None:
        # The tickets app below calls these by name (tickets/hooks.py); it may not import this app.
        from stadtlotse.tickets import hooks

        from . import rendering, tasks

        hooks.listen("photo_changed", tasks.queue_photo)
        hooks.listen("render_photo", rendering.process)
