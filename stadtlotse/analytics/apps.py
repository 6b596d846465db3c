from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "stadtlotse.analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from stadtlotse.core import jobs

        from . import tasks

        jobs.register_periodic("analytics refresh", tasks.schedule_refresh)
        jobs.register_periodic("weekly summary", tasks.schedule_weekly_summary)
