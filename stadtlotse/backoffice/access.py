"""Who may open which back-office page: the desk's own pages in one decorator."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def desk_required(view):
    """Logged-in coordination desk (or administrator) only; everyone else logged in gets 403."""
    @login_required
    @wraps(view)
    def check(request, *args, **kwargs):
        if not request.user.is_desk:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return check
