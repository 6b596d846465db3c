from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "stadtlotse.accounts"
    label = "accounts"
