from django.apps import AppConfig


class PublicwebConfig(AppConfig):
    name = "stadtlotse.publicweb"
    label = "publicweb"

    def ready(self):
        from stadtlotse.core import limits

        from . import views

        # The report form takes photos; its refusal is the form again, with the reason, in German by default.
        limits.register_door("/melden", max_bytes=limits.photo_upload_bytes, refuse=views.report_body_refused)
