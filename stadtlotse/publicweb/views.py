"""The public side: front page, report form, confirmation, and the public and the private ticket page.

Every page works without JavaScript. Views are thin: a form reads the input, one domain function
(`intake.submit`, `workflow.answer_info`, `workflow.reopen`) does the work, then a redirect or a page.
"""

import json
import math
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from stadtlotse.catalog.models import Category
from stadtlotse.core import idempotency, ratelimit
from stadtlotse.intake import abuse, confirmation as report_confirmation, duplicates, intake
from stadtlotse.media import media
from stadtlotse.notifications import subscriptions
from stadtlotse.notifications.models import Subscription
from stadtlotse.tickets import disclosure, privacy, workflow
from stadtlotse.tickets.models import Event, Ticket

from . import mapdata
from .forms import (
    AnswerForm, CoordinateField, EraseContactForm, LookupForm, MapFilterForm, ReopenForm, ReportForm, SubscribeForm,
    SupportForm,
)

RECENT_TICKETS = 10
# The reporter's conversation with the city: internal events, but shown to the reporter on the private page.
CONVERSATION = (Event.Kind.MESSAGE_TO_REPORTER, Event.Kind.MESSAGE_FROM_REPORTER)


def _find_ticket(public_id: str, queryset: QuerySet[Ticket]) -> Ticket:
    """The ticket with this id, also when typed in other letter case; 404 if there is none.

    One indexed query whether the id exists or not: a second query only for unknown ids made the
    private link's 404 measurably slower (about 2 ms) for ids never given out, so timing told which
    unpublished reports exist.
    """
    prefix, _sep, rest = public_id.partition("-")
    configured = settings.STADTLOTSE["TICKET_PREFIX"]
    forms = {public_id, public_id.upper(), f"{configured}-{rest}" if prefix.upper() == configured.upper() else ""}
    found = {ticket.public_id: ticket for ticket in queryset.filter(public_id__in=forms - {""})}
    ticket = found.get(public_id) or next(iter(found.values()), None)
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def _check_token(ticket, token):
    # Bytes, because compare_digest refuses non-ASCII str (the URL pattern's \w admits "ä").
    if not secrets.compare_digest(token.encode(), ticket.access_token.encode()):
        raise Http404("No such ticket.")


def _public_events(ticket):
    events = ticket.events.public().select_related("department")
    return disclosure.with_notes(events.order_by("created_at", "id"))


@require_GET
def home(request):
    lookup = LookupForm(request.GET if "ticket" in request.GET else None)
    if lookup.is_bound and lookup.is_valid():
        return redirect(lookup.found)
    recent = (
        disclosure.public_tickets()
        .select_related("category", "area")
        .order_by("-created_at", "-id")[:RECENT_TICKETS]
    )
    return render(request, "publicweb/home.html", {"lookup": lookup, "recent": recent})


def report_body_refused(request, status, message):
    """The report form's answer to a body refused unread by core.limits (too large, no length)."""
    if status == 413:
        limits = settings.STADTLOTSE
        message = _(
            "Your photos are too large together: at most %(max)d photos of %(mb)d MB each can be sent."
        ) % {"max": limits["MAX_PHOTOS"], "mb": limits["MAX_PHOTO_BYTES"] // (1024 * 1024)}
    return render(request, "publicweb/report.html", {"form": ReportForm.refused(message)}, status=status)


@csrf_exempt  # checked in _report, once the body is known to fit (core.limits)
@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    # Bodies larger than all photos together were refused unread by core.limits.BodySizeMiddleware.
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
    photo_problems = []
    similar = []
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        source = ratelimit.client_ip(request)
        # Before any photo is opened: a refused request must cost no decoding and store nothing.
        refused = _refuse_source(request, form, counted=False) if form.new_photos() else _refuse_early(request, form)
        if refused:
            return refused
        if form.has_unseen_questions():
            # Second step: the same form, filled in as sent, with the category's questions added. Nothing
            # is judged yet, so no errors either, except about photos that cannot be kept.
            photos, photo_problems = form.sort_photos()
            similar = _similar_for(form)
            form = ReportForm(initial=form.typed_values())
            form.keep_photos(photos, source=source)
            asking = True
        elif form.is_valid():
            # A request with new photos was counted above already; every report is counted once.
            refused = None if form.new_photos() else _refuse_source(request, form, counted=True)
            if refused:
                return refused
            # The form's own key (hidden field); a client sending the Idempotency-Key header instead is
            # kept apart per address, since it chose the key itself.
            form_key = form.cleaned_data["idempotency_key"]
            scope = "web" if form_key else f"web:{source}"
            try:
                return idempotency.run_once(request, scope, lambda: _submit(request, form), key=form_key or None)
            except abuse.SourceBlocked as exc:
                return _refused(request, form, exc.text, status=403)
            except ValidationError as exc:
                form.add_intake_errors(exc)
                form.keep_photos(form.accepted_photos, source=source)
            except idempotency.KeyMisused:
                form.renew_key()
                form.add_error(None, _("This form was already sent with other content. Please check your report and "
                                       "send it again to make it a new report."))
                form.keep_photos(form.accepted_photos, source=source)
        else:
            form.keep_photos(form.accepted_photos, source=source)
    else:
        form = ReportForm()
    return render(request, "publicweb/report.html", {
        "form": form, "asking": asking, "photo_problems": photo_problems, "similar": similar,
        "category_data": json.dumps(_category_data(form)),
    })


def _refuse_early(request, form):
    """A 429 page, without counting, when this IP or address has no report left (checked before photos)."""
    verdict = abuse.peek_report_rate(ip=ratelimit.client_ip(request), email=form.data.get("email", ""))
    return None if verdict.allowed else _too_many_reports(request, form, verdict)


def _refuse_source(request, form, *, counted):
    """A 429 page when this IP or e-mail address has sent too many reports lately, else None.

    Counts this request. A request with new photos is counted before they are opened, as a report:
    photos kept for a form sent back take disk space, and decoding them takes time.
    """
    email = form.cleaned_data.get("email", "") if counted else form.data.get("email", "")
    verdict = abuse.hit_report_rate(ip=ratelimit.client_ip(request), email=email)
    return None if verdict.allowed else _too_many_reports(request, form, verdict)


def _too_many_reports(request, form, verdict):
    minutes = max(1, (verdict.retry_after + 59) // 60)
    message = ngettext(
        "You have sent many reports in a short time. To protect the service, further reports are accepted again "
        "in %(minutes)d minute. Nothing of this report has been stored.",
        "You have sent many reports in a short time. To protect the service, further reports are accepted again "
        "in %(minutes)d minutes. Nothing of this report has been stored.", minutes) % {"minutes": minutes}
    # Photos kept from an earlier step go too; taking them back costs no decoding (media.unstash).
    form.accepted_photos = [photo for photo in map(media.unstash, form.data.getlist("kept_photos")[:10]) if photo]
    response = _refused(request, form, message, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _refused(request, form, message, *, status):
    """A refused report: a page with the reason; photos kept from an earlier step are deleted."""
    media.discard_stashed(form.accepted_photos)
    return render(request, "publicweb/refused.html", {"message": message}, status=status)


def _submit(request, form):
    ticket = intake.submit(
        channel=Ticket.Channel.WEB, language=translation.get_language(), **form.report_data(),
        source=abuse.Source(ip=ratelimit.client_ip(request)),
    )
    media.discard_stashed(form.accepted_photos)
    return redirect("publicweb:confirmation", public_id=ticket.public_id, token=ticket.access_token)


def _similar_for(form):
    """Duplicate candidates for the category and point a (not yet validated) form carries, or []."""
    category = form.chosen_category
    try:
        lat = CoordinateField().clean(form.data.get("lat", ""))
        lon = CoordinateField().clean(form.data.get("lon", ""))
    except ValidationError:
        return []
    if category is None or lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return []
    return duplicates.similar_tickets(category, lat, lon)


def _category_data(form):
    """What the category finder (report.js) searches: code, path, keywords, stopper notice."""
    return [
        {"code": code, "path": category.path_name, "keywords": category.keywords,
         "stopper": category.display_stopper}
        for code, category in form.categories.items()
    ]


@require_GET
def report_questions(request):
    """The extra questions of a category as an HTML fragment, for the report form with JavaScript."""
    form = ReportForm(initial={"category": request.GET.get("category", "")})
    return render(request, "publicweb/_questions.html", {"form": form, "questions_fragment": True})


def _json_error(message, status=400):
    return JsonResponse({"error": message}, status=status)


@require_GET
def similar(request):
    """Open published tickets near a point in the same group of categories, nearest first (JSON)."""
    category = (Category.objects.reportable().select_related("parent__parent")
                .filter(service_code=request.GET.get("category", "")).first())
    if category is None:
        return _json_error(_("Please choose one of the listed categories."))
    try:
        lat = float(request.GET.get("lat", ""))
        lon = float(request.GET.get("lon", ""))
    except ValueError:
        return _json_error(_("The coordinates must be numbers."))
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        return _json_error(_("The coordinates are not a place on Earth."))
    candidates = duplicates.similar_tickets(category, lat, lon)
    return JsonResponse({
        "radius": settings.STADTLOTSE["DUPLICATE_RADIUS_METERS"],
        "tickets": [_candidate_json(c) for c in candidates],
    })


def _candidate_json(candidate):
    ticket = candidate.ticket
    thumbnail = candidate.thumbnail
    return {
        "id": ticket.public_id,
        "url": ticket.get_absolute_url(),
        "support_url": reverse("publicweb:support", args=[ticket.public_id]),
        "category": ticket.category.display_name,
        "status": ticket.status,
        "status_label": str(ticket.get_status_display()),
        "distance": round(candidate.distance),
        "created": ticket.created_at.isoformat(),
        "description": ticket.shown_description[:200],
        "supporters": ticket.supporters,
        "thumbnail": reverse("publicweb:photo_thumbnail", args=[ticket.public_id, thumbnail.pk]) if thumbnail else None,
    }


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


@require_http_methods(["GET", "HEAD", "POST"])
@cache_control(private=True, no_store=True)
def confirm_report(request, token):
    """GET shows a button, POST confirms: a mail scanner opening the link must not confirm the report."""
    ticket = report_confirmation.ticket_for(token)
    if ticket is None:
        return render(request, "publicweb/confirm_report.html", {"gone": True}, status=404)
    if request.method == "POST":
        report_confirmation.confirm(ticket)
        return redirect("publicweb:confirmation", public_id=ticket.public_id, token=ticket.access_token)
    if not ticket.awaiting_confirmation:
        return redirect("publicweb:confirmation", public_id=ticket.public_id, token=ticket.access_token)
    return render(request, "publicweb/confirm_report.html", {"ticket": ticket})


@require_GET
def ticket(request, public_id):
    # Not published (awaiting moderation, hidden): no such page, as for an id never given out.
    # The reporter follows their report on the private page.
    queryset = disclosure.public_tickets().select_related("category__parent__parent", "area", "department",
                                                         "duplicate_of")
    ticket = _find_ticket(public_id, queryset)
    if ticket.public_id != public_id:
        return redirect(ticket, permanent=True)
    return _ticket_page(request, ticket)


def _ticket_page(request, ticket, *, support_form=None, subscribe_form=None, status=200):
    return render(request, "publicweb/ticket.html", {
        "ticket": ticket,
        "point": disclosure.public_point(ticket),
        "address": disclosure.public_address(ticket),
        "about_people": ticket.category.is_about_people,
        "events": _public_events(ticket),
        "photos": disclosure.ticket_photos(ticket),
        "support_form": support_form or SupportForm(prefix="support"),
        "subscribe_form": subscribe_form or SubscribeForm(prefix="subscribe"),
        "supported": ticket.public_id in _supported_here(request),
    }, status=status)


# Which tickets this browser supports, for the page only (the count is kept per source in the database):
# a signed cookie, so that showing a ticket needs no query and no session row.
SUPPORTED_COOKIE = "supported"
SUPPORTED_SALT = "stadtlotse.publicweb.supported"


def _supported_here(request):
    return request.get_signed_cookie(SUPPORTED_COOKIE, default="", salt=SUPPORTED_SALT).split(",")


def _remember_support(request, response, ticket):
    ids = [i for i in _supported_here(request) if i and i != ticket.public_id] + [ticket.public_id]
    response.set_signed_cookie(SUPPORTED_COOKIE, ",".join(ids[-50:]), salt=SUPPORTED_SALT, max_age=365 * 86400,
                               httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response


def _wants_json(request):
    return "application/json" in request.headers.get("accept", "")


@require_http_methods(["POST"])
def support(request, public_id):
    """"Me too" for a published, open ticket; with an e-mail address also a subscription (JSON or a page)."""
    ticket = _find_ticket(public_id, disclosure.public_tickets().select_related("category__parent__parent", "area"))
    as_json = _wants_json(request)
    form = SupportForm(request.POST, prefix=None if as_json else "support")
    form.is_valid()
    email = form.cleaned_data.get("email", "")
    language = translation.get_language()
    ip = ratelimit.client_ip(request)
    # Once per source (IP, IPv6 by /64), not per browser session: dropping cookies must not count again.
    already = duplicates.supported_by(ticket, ip=ip)
    if not ticket.is_open:
        form.add_error(None, _("This report is closed and can no longer be supported."))
    elif already and not email:
        form.add_error(None, _("You already support this report."))
    elif email and not _may_subscribe(request):
        form.add_error("email", _too_many())
    elif not form.errors:
        try:
            if already:
                subscriptions.subscribe(ticket, email, language=language)
            else:
                duplicates.support(ticket, ip=ip, email=email, language=language)
        except ValidationError as exc:
            form.add_error("email", exc.message_dict.get("email", exc.messages))
    if form.errors:
        if as_json:
            return _json_error(" ".join(message for _anchor, message in form.error_summary()))
        return _ticket_page(request, ticket, support_form=form, status=400)
    message = _("Thank you: you now support report %(id)s.") % {"id": ticket.public_id}
    if email:
        message += " " + _("Please confirm your e-mail address with the link we have sent you.")
    if as_json:
        ticket.refresh_from_db(fields=["supporters"])
        return _remember_support(request, JsonResponse({"message": message, "supporters": ticket.supporters}), ticket)
    messages.success(request, message)
    return _remember_support(request, redirect(ticket), ticket)


def _may_subscribe(request):
    """Each subscription sends a mail to an address anyone can type: limited per client IP."""
    rate = ratelimit.Rate.parse(settings.STADTLOTSE["SUBSCRIBE_RATE_PER_IP"])
    return ratelimit.hit("subscribe", ratelimit.client_ip(request), rate).allowed


def _too_many():
    return _("Too many subscriptions from your connection. Please try again in an hour.")


@require_http_methods(["POST"])
def subscribe(request, public_id):
    ticket = _find_ticket(public_id, disclosure.public_tickets().select_related("category__parent__parent", "area"))
    form = SubscribeForm(request.POST, prefix="subscribe")
    if form.is_valid() and form.cleaned_data["email"] and not _may_subscribe(request):
        form.add_error("email", _too_many())
    if form.is_valid():
        try:
            subscriptions.subscribe(ticket, form.cleaned_data["email"], language=translation.get_language())
        except ValidationError as exc:
            form.add_error("email", exc.message_dict.get("email", exc.messages))
        else:
            messages.success(request, _("Almost done: please confirm with the link we have sent to %(email)s.")
                             % {"email": form.cleaned_data["email"].strip()})
            return redirect(ticket)
    return _ticket_page(request, ticket, subscribe_form=form, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@cache_control(private=True, no_store=True)
def subscription_confirm(request, token):
    """GET shows a button, POST confirms: mail scanners that open links must not confirm by themselves."""
    subscription = Subscription.objects.select_related("ticket").filter(token=token).first()
    if subscription is None:
        return render(request, "publicweb/subscription.html", {"gone": True}, status=404)
    if request.method == "POST":
        subscriptions.confirm(subscription)
        messages.success(request, _("Confirmed. You will hear when the status of report %(id)s changes.")
                         % {"id": subscription.ticket.public_id})
        return _to_ticket_page(subscription.ticket)
    return render(request, "publicweb/subscription.html", {"subscription": subscription, "action": "confirm"})


@require_http_methods(["GET", "HEAD", "POST"])
@cache_control(private=True, no_store=True)
def unsubscribe(request, token):
    subscription = Subscription.objects.select_related("ticket").filter(token=token).first()
    if subscription is None:
        return render(request, "publicweb/subscription.html", {"gone": True}, status=404)
    if request.method == "POST":
        ticket = subscription.ticket
        subscriptions.unsubscribe(subscription)
        messages.success(request, _("Done. You get no more mails about report %(id)s; your address is deleted.")
                         % {"id": ticket.public_id})
        return _to_ticket_page(ticket)
    return render(request, "publicweb/subscription.html", {"subscription": subscription, "action": "unsubscribe"})


def _to_ticket_page(ticket):
    """The ticket's public page, or the front page once the report is no longer public (hidden since)."""
    return redirect(ticket if disclosure.public_view(ticket) else "publicweb:home")


@require_GET
@cache_control(private=True, no_store=True)
def private_data(request, public_id, token):
    """Everything stored about the reporter and their report, as a JSON file (DSGVO Art. 15 and 20)."""
    ticket = _find_ticket(public_id, Ticket.objects.select_related("category"))
    _check_token(ticket, token)
    response = JsonResponse(privacy.export(ticket), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{ticket.public_id}-meine-daten.json"'
    return response


@require_GET
def photo(request, public_id, attachment_id, thumbnail=False):
    """A photo's public version (or thumbnail): only of a published ticket, never the original."""
    ticket = _find_ticket(public_id, disclosure.public_tickets())
    attachment = get_object_or_404(disclosure.public_photos().filter(ticket=ticket), pk=attachment_id)
    file = attachment.thumbnail if thumbnail and attachment.thumbnail else attachment.public_version
    response = media.serve(file, "image/jpeg", f"{ticket.public_id}-{attachment.pk}.jpg")
    # Short: a photo hidden by moderation should vanish from caches soon.
    response["Cache-Control"] = "public, max-age=300"
    return response


def _map_form(request):
    form = MapFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    return form


@require_GET
def public_map(request):
    form = _map_form(request)
    query = request.GET.urlencode()
    return render(request, "publicweb/map.html", {"form": form, "query": query})


LIST_PAGE_SIZE = 25


@require_GET
def map_list(request):
    """The map as a list: the same tickets and filters, paginated and sortable."""
    form = _map_form(request)
    tickets = (
        mapdata.on_map(form.map_filter())
        .select_related("category", "area")
        .order_by(*form.ordering())
    )
    page = Paginator(tickets, LIST_PAGE_SIZE).get_page(request.GET.get("seite"))
    params = request.GET.copy()
    params.pop("seite", None)
    return render(request, "publicweb/map_list.html", {"form": form, "page": page, "query": params.urlencode()})


@require_GET
def map_geojson(request):
    """GeoJSON of the tickets in ?bbox=min_lon,min_lat,max_lon,max_lat with the map's filters."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": {k: [str(m) for m in v] for k, v in form.errors.items()}}, status=400)
    map_filter = form.map_filter()
    if request.GET.get("bbox"):
        try:
            map_filter.bbox = mapdata.parse_bbox(request.GET["bbox"])
        except mapdata.BadFilter as exc:
            return JsonResponse({"errors": {"bbox": [str(exc)]}}, status=400)
    try:
        data = mapdata.geojson(map_filter, names=form.category_names, source=ratelimit.client_ip(request))
    except mapdata.ClustersRefused as exc:
        response = JsonResponse({"errors": {"bbox": [_(
            "The map has been moved very often from your connection. Please wait %(seconds)d seconds."
        ) % {"seconds": exc.retry_after}]}}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    response = JsonResponse(data)
    response["Content-Type"] = "application/geo+json"
    return response


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
    erase_form = EraseContactForm(prefix="erase")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "erase":
            erase_form = EraseContactForm(request.POST, prefix="erase")
            if erase_form.is_valid():
                privacy.erase_contact(ticket, by=workflow.REPORTER, reason="reporter")
                messages.success(request, _("Your contact details have been deleted."))
                return redirect(ticket.get_private_url())
        elif action == "answer":
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

    events = disclosure.with_notes(
        (ticket.events.public() | ticket.events.filter(kind__in=CONVERSATION))
        .select_related("department")
        .order_by("created_at", "id"),
        audience_note=disclosure.reporter_note,
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
        "erase_form": erase_form,
        "retention_days": settings.STADTLOTSE["CONTACT_RETENTION_DAYS"],
    })
