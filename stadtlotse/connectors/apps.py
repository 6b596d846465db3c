from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "stadtlotse.connectors"
    label = "connectors"
