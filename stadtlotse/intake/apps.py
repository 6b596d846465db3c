from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "stadtlotse.intake"
    label = "intake"
