from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Berlin demo (`seed_demo`): the top layer, using every app the way staff and residents would."""

    name = "stadtlotse.demo"
    label = "demo"
