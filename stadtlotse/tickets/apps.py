from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "stadtlotse.tickets"
    label = "tickets"

    def ready(self) -> None:
        from stadtlotse.core import jobs

        from . import tasks

        jobs.register_periodic("contact retention", tasks.schedule_retention)
