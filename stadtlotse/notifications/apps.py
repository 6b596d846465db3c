from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "stadtlotse.notifications"
    label = "notifications"

    def ready(self) -> None:
        # The tickets app below calls these by name (tickets/hooks.py); it may not import this app.
        from stadtlotse.core import jobs
        from stadtlotse.tickets import hooks

        from . import notify, reporter_data, subscriptions, tasks

        # Residents who follow the ticket hear about public status changes too (published tickets only).
        hooks.listen("status_changed", subscriptions.status_changed)
        hooks.listen("status_changed", notify.status_changed)
        hooks.listen("public_note", notify.public_note)
        hooks.listen("question_to_reporter", notify.question_to_reporter)
        hooks.listen("reporter_answered", notify.reporter_answered)
        hooks.listen("moderated", notify.moderated)
        hooks.listen("reporter_messages", reporter_data.messages_to)
        hooks.listen("contact_erased", reporter_data.erase_messages_to)
        jobs.register_periodic("daily digest", tasks.schedule_daily_digest)
