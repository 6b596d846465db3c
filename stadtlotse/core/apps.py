from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "stadtlotse.core"
    label = "core"
