"""The back office: the desk's inbox and queues, the departments' work lists, the ticket page and its actions.

Every view needs a login. A ticket the user may not see answers 404, so ticket ids of other
departments reveal nothing; an action the user may not take on a ticket they can see answers 403.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from stadtlotse.accounts.models import SavedView
from stadtlotse.catalog.models import Department, KnowledgeArticle
from stadtlotse.notifications import notify
from stadtlotse.notifications.models import Notification
from stadtlotse.media import media
from stadtlotse.tickets import moderation, workflow
from stadtlotse.tickets.models import Event, Ticket

from .access import desk_required
from . import queues
from .forms import (
    ACTION_FORMS, URGENCY, BulkForm, CallbackForm, PhotoModerationForm, RedactionForm, SavedViewForm,
    StaffReportForm, TicketFilterForm,
)

PAGE_SIZE = 50
S = Ticket.Status

# The status each status-changing action leads to: its form is offered only where the workflow's
# transition table allows that step. The workflow still checks every request.
ACTION_TARGETS = {
    "forward": S.FORWARDED, "accept": S.ACCEPTED, "start": S.IN_PROGRESS, "resolve": S.DONE,
    "reject": S.REJECTED, "request_info": S.NEEDS_INFO, "hand_back": S.NEW, "mark_duplicate": S.DUPLICATE,
}


def _tickets(user):
    """The tickets `user` may see, with everything a list row shows loaded in the same query."""
    return _with_row_data(Ticket.objects.visible_to(user))


def _with_row_data(tickets):
    return tickets.select_related("category__parent__parent", "department", "area", "assignee").defer("area__geometry")


def _ticket_for(request, public_id):
    return get_object_or_404(_tickets(request.user).select_related("duplicate_of", "contact"), public_id=public_id)


class CappedPaginator(Paginator):
    """The work lists' pager, built for 100,000 open tickets.

    It counts at most COUNT_CAP rows (an exact COUNT over 100,000 matches costs more than the page;
    beyond the cap the list says "more than 10,000" and nobody pages further, they narrow the
    filter). And it sorts ids, not rows: the page's ids come from a narrow query the database can
    answer from an index, then the 50 full rows with their joins are read by id.
    """

    COUNT_CAP = 10_000

    @cached_property
    def _counted(self):
        return self.object_list.order_by()[: self.COUNT_CAP + 1].count()

    @cached_property
    def count(self):
        return min(self._counted, self.COUNT_CAP)

    @property
    def is_capped(self):
        return self._counted > self.COUNT_CAP

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:bottom + self.per_page])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=ids)} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def _page(request, tickets):
    return CappedPaginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))


def _offered_actions(ticket, user):
    offered = []
    allowed = workflow.allowed_actions(ticket, user)
    for action in ACTION_FORMS:
        if action not in allowed:
            continue
        if action == "reopen":
            possible = not ticket.is_open and ticket.status != S.DUPLICATE
        elif action == "unmerge":
            possible = ticket.status == S.DUPLICATE and ticket.duplicate_of_id is not None
        elif action in ACTION_TARGETS:
            possible = ticket.is_open and ACTION_TARGETS[action] in workflow.TRANSITIONS[ticket.status]
        else:
            possible = True
        if possible:
            offered.append(action)
    return offered


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:  # not reached behind login_required; narrows the type to User
        raise PermissionDenied
    if user.is_desk:
        return _desk_home(request)
    # What the reporter answered is what the department waits for: those tickets first.
    tickets = _tickets(request.user).open().order_by(F("answered_at").desc(nulls_last=True), URGENCY,
                                                     F("due_at").asc(nulls_last=True), "created_at", "id")
    departments = Department.objects.filter(pk__in=user.department_ids()).order_by("name")
    return render(request, "backoffice/home_department.html", {
        "page": _page(request, tickets), "departments": departments,
        "answered_count": queues.apply(Ticket.objects.visible_to(user), "answered").count(),
    })


def _desk_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:  # home() checked; narrows the type to User
        raise PermissionDenied
    callbacks = (
        Notification.objects.filter(channel=Notification.Channel.CALLBACK, status=Notification.Status.PENDING)
        .select_related("ticket").order_by("created_at", "id")
    )
    # One grouped count over the open tickets' (department, status, …) index; joining departments to
    # every ticket instead reads the rows.
    open_counts = dict(
        Ticket.objects.open().exclude(department=None).order_by().values_list("department").annotate(Count("pk"))
    )
    departments = []
    for department in Department.objects.order_by("name"):
        department.open_tickets = open_counts.get(department.pk, 0)  # type: ignore[attr-defined]  # for the template
        # An inactive department still holding open tickets is exactly what the desk must see.
        if department.is_active or open_counts.get(department.pk, 0):
            departments.append(department)
    # The desk sees every ticket; in_desk_inbox() leaves out the held-back reports itself, so
    # visible_to() would only exclude them a second time.
    # Tickets waiting for the reporter are not actionable: they have their own queue ("waiting").
    # Answered ones come first, the desk must read what the reporter said.
    inbox = (_with_row_data(Ticket.objects.in_desk_inbox().exclude(status=S.NEEDS_INFO))
             .order_by(F("answered_at").desc(nulls_last=True), URGENCY, "created_at", "id"))
    counts = queues.counts(Ticket.objects.visible_to(user))
    return render(request, "backoffice/home_desk.html", {
        "page": _page(request, inbox),
        "queues": counts,
        "queue_list": [(name, label, counts[name]) for name, label in queues.choices()],
        "callback_count": callbacks.count(),
        "callbacks": callbacks[:PAGE_SIZE],
        "departments": departments,
    })


@login_required
@require_safe
def ticket_list(request):
    form = TicketFilterForm(request.GET, user=request.user)
    tickets = form.apply(_tickets(request.user))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "backoffice/ticket_list.html", {
        "form": form,
        "page": _page(request, tickets),
        "query": query.urlencode(),
        "saved_views": request.user.saved_views.order_by("name"),
        "save_form": SavedViewForm(initial={"query": query.urlencode()}, user=request.user),
        "bulk_form": BulkForm(user=request.user, initial={"next": query.urlencode()}),
        "selectable": True,
    })


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on the tickets selected in the list; what failed is reported per ticket."""
    user = request.user
    if not user.is_authenticated:  # not reached behind login_required; narrows the type to User
        raise PermissionDenied
    form = BulkForm(request.POST, user=user)
    back = reverse("backoffice:tickets") + "?" + QueryDict(request.POST.get("next", "")[:1000]).urlencode()
    if not form.is_valid():
        for errors in form.errors.values():
            # ErrorList yields the messages as text (its items are ValidationErrors, its __getitem__ unwraps them).
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect(back)
    outcomes = form.perform()
    if done := [o.ticket for o in outcomes if o.done]:
        messages.success(request, _("Done for %(count)d ticket(s): %(ids)s.") % {
            "count": len(done), "ids": ", ".join(t.public_id for t in done)})
    for outcome in outcomes:
        if not outcome.done:
            messages.error(request, f"{outcome.ticket.public_id}: {outcome.error}")
    return redirect(back)


@login_required
@require_POST
def save_view(request):
    form = SavedViewForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(reverse("backoffice:tickets") + "?" + QueryDict(request.POST.get("query", "")[:1000]).urlencode())
    SavedView.objects.create(user=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"])
    messages.success(request, _("View “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
    return redirect(reverse("backoffice:tickets") + "?" + form.cleaned_data["query"])


@login_required
@require_POST
def delete_view(request, view_id):
    # Another user's view answers 404: views are personal.
    view = get_object_or_404(SavedView, pk=view_id, user=request.user)
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("backoffice:tickets")


@login_required
@require_safe
def ticket_detail(request, public_id):
    return _render_ticket(request, _ticket_for(request, public_id))


def _render_ticket(request: HttpRequest, ticket: Ticket, invalid_form: Any = None) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:  # every caller is behind login_required; narrows the type to User
        raise PermissionDenied
    action_forms = {action: ACTION_FORMS[action](ticket=ticket, user=user) for action in _offered_actions(ticket, user)}
    if invalid_form is not None:
        action_forms[invalid_form.action] = invalid_form
    notifications = list(ticket.notifications.order_by("created_at", "id"))
    if user.is_desk:
        for notification in notifications:
            if notification.channel == Notification.Channel.CALLBACK and notification.status == Notification.Status.PENDING:
                notification.done_form = CallbackForm(prefix=f"callback-{notification.pk}")  # type: ignore[attr-defined]  # for the template
    # Contact data is shown to whoever may open the ticket: the desk and the ticket's department.
    return render(request, "backoffice/ticket.html", {
        "ticket": ticket,
        "answers": ticket.answers(),
        # The reporter's latest answer, shown on top while the ticket is marked answered.
        "answer": (ticket.events.filter(kind=Event.Kind.MESSAGE_FROM_REPORTER).order_by("-created_at", "-id").first()
                   if ticket.answered_at else None),
        "events": ticket.events.select_related("department").order_by("created_at", "id"),
        "attachments": ticket.attachments.order_by("created_at", "id"),
        "deliveries": ticket.deliveries.select_related("department").order_by("created_at", "id"),
        "notifications": notifications,
        "articles": KnowledgeArticle.for_category(ticket.category),
        "may_moderate": "moderate" in workflow.allowed_actions(ticket, user),
        "duplicates": ticket.duplicates.filter(status=S.DUPLICATE).order_by("public_id")[:100],
        "action_forms": [action_forms[action] for action in ACTION_FORMS if action in action_forms],
    })


@login_required
@require_POST
def act(request, public_id, action):
    """One workflow action from the ticket page; refused changes come back as a message."""
    ticket = _ticket_for(request, public_id)
    if action not in workflow.allowed_actions(ticket, request.user):
        raise PermissionDenied
    form = ACTION_FORMS[action](request.POST, ticket=ticket, user=request.user)
    if not form.is_valid():
        return _render_ticket(request, ticket, invalid_form=form)
    try:
        form.perform()
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": form.title})
    if not Ticket.objects.visible_to(request.user).filter(pk=ticket.pk).exists():
        # A department that handed a ticket back can no longer open it.
        return redirect("backoffice:home")
    return redirect(ticket.get_backoffice_url())


@login_required
@require_POST
def complete_callback(request, public_id, notification_id):
    ticket = _ticket_for(request, public_id)
    if not request.user.is_desk:
        # Phoning reporters back is the desk's task.
        raise PermissionDenied
    form = CallbackForm(request.POST, prefix=f"callback-{notification_id}")
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return redirect(ticket.get_backoffice_url())
    callback = get_object_or_404(ticket.notifications, pk=notification_id, channel=Notification.Channel.CALLBACK)
    if notify.complete_callback(callback, by=request.user, note=form.cleaned_data["note"]):
        messages.success(request, _("Callback marked as done."))
    else:
        messages.info(request, _("This callback was already marked as done."))
    return redirect(ticket.get_backoffice_url())


@login_required
@require_safe
@cache_control(private=True, max_age=0)
def attachment(request, public_id, attachment_id):
    """The original photo, for staff who may see the ticket; the public only ever gets the blurred version."""
    ticket = _ticket_for(request, public_id)
    photo = get_object_or_404(ticket.attachments, pk=attachment_id)
    if request.GET.get("version") == "public":
        # The blurred version, as the public sees it (404 while it is not made yet).
        if not photo.public_version:
            raise Http404
        return media.serve(photo.public_version, "image/jpeg", f"{ticket.public_id}-{photo.pk}.jpg")
    # content_type was set from the format Pillow found at intake, never from the upload.
    return media.serve(photo.original, photo.content_type, f"{ticket.public_id}-{photo.pk}-original.{photo.extension}")


def _photo_to_moderate(request, public_id, attachment_id):
    """The ticket and its photo, for someone allowed to moderate it (404 if not visible, 403 if not allowed)."""
    ticket = _ticket_for(request, public_id)
    if "moderate" not in workflow.allowed_actions(ticket, request.user):
        raise PermissionDenied
    return ticket, get_object_or_404(ticket.attachments, pk=attachment_id)


@login_required
@require_POST
def moderate_photo(request, public_id, attachment_id):
    """Hide one photo from the public (with a reason the reporter is told), or show it again."""
    ticket, photo = _photo_to_moderate(request, public_id, attachment_id)
    form = PhotoModerationForm(request.POST)
    form.is_valid()
    try:
        moderation.set_photo_hidden(photo, form.cleaned_data.get("hidden", False), by=request.user,
                                    reason=form.cleaned_data.get("reason", ""))
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Photo moderated."))
    return redirect(ticket.get_backoffice_url() + "#attachments-heading")


@login_required
@require_POST
def redact_photo(request, public_id, attachment_id):
    """Blur a rectangle the desk drew (or typed) on a photo, server-side, in its public version."""
    ticket, photo = _photo_to_moderate(request, public_id, attachment_id)
    form = RedactionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the rectangle as whole numbers of pixels: %(errors)s")
                       % {"errors": " ".join(f"{form[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())})
    else:
        try:
            moderation.redact_photo(photo, form.cleaned_data, by=request.user)
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The area is blurred in the public version."))
    return redirect(ticket.get_backoffice_url() + f"#photo-{photo.pk}")


@login_required
@require_POST
def remove_redaction(request, public_id, attachment_id, number):
    """Take back a rectangle drawn by hand (drawn in the wrong place); the area is shown again."""
    ticket, photo = _photo_to_moderate(request, public_id, attachment_id)
    try:
        moderation.remove_redaction(photo, int(number), by=request.user)
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The blurred area was removed from the public version."))
    return redirect(ticket.get_backoffice_url() + f"#photo-{photo.pk}")


@desk_required
def new_report(request):
    """Staff entry of a report received by phone, letter, e-mail or at the counter (the desk's task)."""
    form = StaffReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticket = form.submit(by=request.user)
        if ticket is not None:
            messages.success(request, _("Report %(id)s entered.") % {"id": ticket.public_id})
            return redirect(ticket.get_backoffice_url())
    return render(request, "backoffice/new_report.html", {"form": form})
