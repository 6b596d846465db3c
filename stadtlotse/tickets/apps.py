from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "stadtlotse.tickets"
    label = "tickets"
