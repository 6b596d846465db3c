"""The public side: front page, report form, confirmation, and the public and the private ticket page.

Every page works without JavaScript. Views are thin: a form reads the input, one domain function
(`intake.submit`, `workflow.answer_info`, `workflow.reopen`) does the work, then a redirect or a page.
"""

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from stadtlotse.intake import intake
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event, Ticket

from .forms import AnswerForm, LookupForm, ReopenForm, ReportForm

RECENT_TICKETS = 10
# The reporter's conversation with the city: internal events, but shown to the reporter on the private page.
CONVERSATION = (Event.Kind.MESSAGE_TO_REPORTER, Event.Kind.MESSAGE_FROM_REPORTER)


def _find_ticket(public_id, queryset):
    """The ticket with this id, also when typed in other letter case; 404 if there is none."""
    try:
        return queryset.get(public_id=public_id)
    except Ticket.DoesNotExist:
        pass
    ticket = queryset.filter(public_id__iexact=public_id).first()
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def _check_token(ticket, token):
    # Bytes, because compare_digest refuses non-ASCII str (the URL pattern's \w admits "ä").
    if not secrets.compare_digest(token.encode(), ticket.access_token.encode()):
        raise Http404("No such ticket.")


def _public_events(ticket):
    events = ticket.events.public().select_related("department")
    return list(events.order_by("created_at", "id"))


@require_GET
def home(request):
    lookup = LookupForm(request.GET if "ticket" in request.GET else None)
    if lookup.is_bound and lookup.is_valid():
        return redirect(lookup.found)
    recent = (
        Ticket.objects.published()
        .select_related("category", "area")
        .order_by("-created_at", "-id")[:RECENT_TICKETS]
    )
    return render(request, "publicweb/home.html", {"lookup": lookup, "recent": recent})


@csrf_exempt  # checked in _report, after the size check below
@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    if request.method == "POST":
        try:
            request.POST
        except RequestDataTooBig:
            # Django will not read a body above DATA_UPLOAD_MAX_MEMORY_SIZE. Left to the CSRF middleware,
            # that would be a bare "400 Bad Request"; the resident gets the form and a reason instead.
            form = ReportForm.refused(_(
                "Your report is too large to be received. Please shorten the description to at most "
                "%(max)d characters and send it again."
            ) % {"max": settings.STADTLOTSE["MAX_DESCRIPTION_CHARS"]})
            return render(request, "publicweb/report.html", {"form": form}, status=413)
    return _report(request)


@csrf_protect
def _report(request):
    asking = False
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.has_unseen_questions():
            # Second step: the same form, filled in as sent, with the category's questions added. Nothing
            # is judged yet, so no errors either.
            form = ReportForm(initial=form.typed_values())
            asking = True
        elif form.is_valid():
            try:
                ticket = intake.submit(
                    channel=Ticket.Channel.WEB, language=translation.get_language(), **form.report_data()
                )
            except ValidationError as exc:
                form.add_intake_errors(exc)
            else:
                return redirect("publicweb:confirmation", public_id=ticket.public_id, token=ticket.access_token)
    else:
        form = ReportForm()
    return render(request, "publicweb/report.html", {"form": form, "asking": asking})


@require_GET
@cache_control(private=True, no_store=True)
def confirmation(request, public_id, token):
    queryset = Ticket.objects.select_related("category", "department", "contact")
    ticket = _find_ticket(public_id, queryset)
    _check_token(ticket, token)
    return render(request, "publicweb/confirmation.html", {
        "ticket": ticket,
        "contact": getattr(ticket, "contact", None),
        "private_url": settings.SITE_URL + ticket.get_private_url(),
    })


@require_GET
def ticket(request, public_id):
    queryset = Ticket.objects.select_related("category__parent__parent", "area", "department", "duplicate_of")
    ticket = _find_ticket(public_id, queryset)
    if ticket.public_id != public_id:
        return redirect(ticket, permanent=True)
    events = _public_events(ticket) if ticket.is_published else []
    return render(request, "publicweb/ticket.html", {"ticket": ticket, "events": events})


@require_http_methods(["GET", "HEAD", "POST"])
@cache_control(private=True, no_store=True)
def private(request, public_id, token):
    queryset = Ticket.objects.select_related(
        "category__parent__parent", "area", "department", "duplicate_of", "contact"
    )
    ticket = _find_ticket(public_id, queryset)
    _check_token(ticket, token)
    if ticket.public_id != public_id:
        return redirect(ticket.get_private_url())
    answer_form = AnswerForm(prefix="answer")
    reopen_form = ReopenForm(prefix="reopen")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "answer":
            answer_form = AnswerForm(request.POST, prefix="answer")
            if answer_form.is_valid():
                try:
                    workflow.answer_info(ticket, text=answer_form.cleaned_data["text"], by=workflow.REPORTER)
                except workflow.WorkflowError as exc:
                    answer_form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Thank you. Your answer has been passed on."))
                    return redirect(ticket.get_private_url())
        elif action == "reopen":
            reopen_form = ReopenForm(request.POST, prefix="reopen")
            if reopen_form.is_valid():
                try:
                    workflow.reopen(ticket, by=workflow.REPORTER, reason=reopen_form.cleaned_data["reason"])
                except workflow.WorkflowError as exc:
                    reopen_form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Your report has been reopened."))
                    return redirect(ticket.get_private_url())

    events = list(
        (ticket.events.public() | ticket.events.filter(kind__in=CONVERSATION))
        .select_related("department")
        .order_by("created_at", "id")
    )
    question = None
    if ticket.status == Ticket.Status.NEEDS_INFO:
        question = next((e for e in reversed(events) if e.kind == Event.Kind.MESSAGE_TO_REPORTER), None)
    return render(request, "publicweb/private.html", {
        "ticket": ticket,
        "contact": getattr(ticket, "contact", None),
        "answers": ticket.answers(),
        "events": events,
        "question": question,
        # A form that was sent stays on the page to show its error, even when no longer offered.
        "answer_form": answer_form if answer_form.errors or ticket.status == Ticket.Status.NEEDS_INFO else None,
        "reopen_form": reopen_form if reopen_form.errors or ticket.reporter_may_reopen() else None,
        "reopen_days": settings.STADTLOTSE["REOPEN_DAYS"],
        "private_url": settings.SITE_URL + ticket.get_private_url(),
    })
