from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "stadtlotse.open311"
    label = "open311"
