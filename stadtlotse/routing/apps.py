from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "stadtlotse.routing"
    label = "routing"
