from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "stadtlotse.backoffice"
    label = "backoffice"
