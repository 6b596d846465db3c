from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "stadtlotse.notifications"
    label = "notifications"
