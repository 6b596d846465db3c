from django.apps import AppConfig


class PublicwebConfig(AppConfig):
    name = "stadtlotse.publicweb"
    label = "publicweb"
