"""Staff sessions: end them after inactivity, and hold admins at the second-factor page until set up."""

import time

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import redirect_to_login
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import security

LAST_SEEN = "last_seen"
# Writing the session on every request would cost a database write each time; once a minute is enough.
TOUCH_EVERY = 60


def start_idle_clock(sender, request, user, **kwargs):
    """Login starts the idle clock, in the session write login makes anyway."""
    request.session[LAST_SEEN] = time.time()


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_SECONDS:
                auth.logout(request)
                messages.info(request, _("You were logged out after a while without activity. Please log in again."))
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= TOUCH_EVERY or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now
            if self._second_factor_missing(request):
                return redirect(reverse("accounts:second_factor") + "?" + _next(request))
        return self.get_response(request)

    def _second_factor_missing(self, request):
        if request.session.get(security.VERIFIED) or not security.is_required(request.user):
            return False
        free = (reverse("accounts:second_factor"), reverse("accounts:logout"), settings.STATIC_URL, "/i18n/")
        return not request.path.startswith(free)


def _next(request):
    query = QueryDict(mutable=True)
    query["next"] = request.get_full_path()
    return query.urlencode()
