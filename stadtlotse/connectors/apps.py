from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "stadtlotse.connectors"
    label = "connectors"

    def ready(self) -> None:
        # The tickets app below calls this by name (tickets/hooks.py); it may not import this app.
        from stadtlotse.core import jobs
        from stadtlotse.tickets import hooks

        from . import delivery, tasks

        hooks.listen("forwarded", delivery.queue_forward)
        jobs.register_periodic("polling the departments' systems", tasks.schedule_polling)
