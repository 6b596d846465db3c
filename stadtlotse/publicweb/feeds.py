"""RSS and Atom feeds of new and resolved reports, per district and per category.

Items are the public timeline events "received" and "done/rejected" of published tickets, newest first.
Descriptions go out as `type="html"` (RSS description, Atom summary), so the text is escaped here: a
report's "<img onerror=…>" is shown as text in a feed reader, never run. Links and guids are absolute,
as RSS readers need them to be.
"""

from django.conf import settings

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from stadtlotse.catalog.models import Area, Category
from stadtlotse.tickets import disclosure
from stadtlotse.tickets.models import Event, Ticket


FEED_ITEMS = 50


class TicketEventsFeed(Feed):
    def events(self, **ticket_filter):
        return (
            Event.objects.public()
            .filter(Q(kind=Event.Kind.CREATED) | Q(status_to__in=[Ticket.Status.DONE, Ticket.Status.REJECTED]))
            .filter(ticket__in=disclosure.public_tickets().filter(**ticket_filter).values("pk"))
            .select_related("ticket__category", "ticket__area", "department")
            .order_by("-created_at", "-id")[:FEED_ITEMS]
        )

    def item_title(self, event):
        ticket = event.ticket
        if event.kind == Event.Kind.CREATED:
            return _("New: %(id)s – %(category)s") % {"id": ticket.public_id, "category": ticket.category.display_name}
        return _("%(status)s: %(id)s – %(category)s") % {
            "status": event.status_label.capitalize(), "id": ticket.public_id, "category": ticket.category.display_name,
        }

    def item_description(self, event):
        text = event.ticket.shown_description if event.kind == Event.Kind.CREATED else disclosure.public_text(event)
        return linebreaks(escape(text))

    def item_link(self, event):
        return event.ticket.get_absolute_url()

    def item_guid(self, event):
        # Absolute: a relative guid is no permalink, and readers resolve it against different bases.
        return f"{settings.SITE_URL}{event.ticket.get_absolute_url()}#event-{event.pk}"

    def item_pubdate(self, event):
        return event.created_at


class DistrictFeed(TicketEventsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Area, slug=slug)

    def title(self, area):
        return _("Reports in %(district)s") % {"district": area.name}

    def description(self, area):
        return _("New and resolved reports in %(district)s.") % {"district": area.name}

    def link(self, area):
        from django.urls import reverse

        return reverse("publicweb:map_list") + f"?district={area.slug}"

    def items(self, area):
        return self.events(area=area)


class CategoryFeed(TicketEventsFeed):
    def get_object(self, request, code):
        return get_object_or_404(Category.objects.active(), service_code=code)

    def title(self, category):
        return _("Reports: %(category)s") % {"category": category.path_name}

    def description(self, category):
        return _("New and resolved reports in the category %(category)s.") % {"category": category.path_name}

    def link(self, category):
        from django.urls import reverse

        return reverse("publicweb:map_list") + f"?category={category.service_code}"

    def items(self, category):
        return self.events(category__in=Category.objects.subtree(category))


class DistrictAtomFeed(DistrictFeed):
    feed_type = Atom1Feed
    subtitle = DistrictFeed.description


class CategoryAtomFeed(CategoryFeed):
    feed_type = Atom1Feed
    subtitle = CategoryFeed.description
