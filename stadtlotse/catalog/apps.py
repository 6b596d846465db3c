from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "stadtlotse.catalog"
    label = "catalog"
