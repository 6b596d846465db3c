from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "stadtlotse.open311"
    label = "open311"

    def ready(self):
        from stadtlotse.core import limits

        from . import views

        # Apps post photos as media parts; an oversized request gets an Open311 error list, unread.
        limits.register_door("/open311/", max_bytes=limits.photo_upload_bytes, refuse=views.body_refused)
