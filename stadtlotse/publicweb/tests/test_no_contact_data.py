"""The scanner: with a database full of contact data, no public page, feed, GeoJSON or Open311 answer shows any.

Every URL of the public apps (publicweb, open311, core, analytics) is either walked here or listed in PRIVATE
with the reason it may show the reporter's own data; a new public URL fails this test until added.
"""

import re

from django.urls import get_resolver, reverse

from stadtlotse.accounts.models import ApiKey
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, SPANDAU_ALTSTADT, report, resident, run_jobs
from stadtlotse.intake import duplicates
from stadtlotse.media.tests.images import TemporaryMediaMixin, upload
from stadtlotse.notifications import subscriptions
from stadtlotse.tickets import merge, moderation, workflow
from stadtlotse.tickets.models import Ticket

from .base import PublicWebTestCase

# Distinctive enough that a hit cannot be a coincidence.
PEOPLE = [
    ("Xaver Quellkamp", "xaver.quellkamp@example.org", "+49 30 98765432"),
    ("Zofia Wąsowicz-Brandt", "z.wasowicz@posteo.example", "0171 5550199"),
    ("Ümit Yıldırımkaya", "uemit.y@mail.example", "040/55501234"),
    ("Jolanthe Pfefferkorn", "j.pfefferkorn@example.net", "089 5550 4411"),
]
OPEN311_PERSON = ("Quirin", "Sonnleitner", "quirin.sonnleitner@example.com", "0221 5550777")
SUBSCRIBER = "abonnentin.geheim@example.org"

# Private by design: they show the reporter (or subscriber) their own data, behind a secret token.
PRIVATE = {
    "publicweb:confirmation": "thank-you page behind the reporter's token",
    "publicweb:confirm_report": "the sender's e-mail confirmation link (signed token)",
    "publicweb:private": "the reporter's private page (token)",
    "publicweb:private_data": "the reporter's data download (token)",
    "publicweb:subscription_confirm": "subscriber's confirmation link (token)",
    "publicweb:unsubscribe": "subscriber's unsubscribe link (token)",
}
NAMESPACES = ("publicweb", "open311", "core", "analytics")


def url_names():
    names = set()
    for namespace in NAMESPACES:
        _prefix, resolver = get_resolver().namespace_dict[namespace]
        names |= {f"{namespace}:{p.name}" for p in resolver.url_patterns if p.name}
    return names


def needles():
    words = []
    for name, email, phone in PEOPLE:
        words += [name, *name.split(" "), email, email.split("@")[0], phone, re.sub(r"\D", "", phone)]
    first, last, email, phone = OPEN311_PERSON
    words += [first, last, email, phone, re.sub(r"\D", "", phone), SUBSCRIBER]
    return words


class NoContactDataTests(TemporaryMediaMixin, PublicWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        places = [HERMANNPLATZ, ALEXANDERPLATZ, SPANDAU_ALTSTADT, HERMANNPLATZ]
        cls.tickets = []
        for (name, email, phone), place in zip(PEOPLE, places):
            ticket = report(place=place, contact=resident(name=name, email=email, phone=phone), photos=[upload()])
            cls.tickets.append(ticket)
        first, second, third, fourth = cls.tickets
        workflow.accept(first, by=cls.bob)
        workflow.add_note(first, f"Rückruf bei {PEOPLE[0][0]} unter {PEOPLE[0][2]}", by=cls.bob)
        workflow.request_info(first, by=cls.bob, question=f"Guten Tag {PEOPLE[0][0]}, wo genau?")
        workflow.answer_info(first, text=f"Vor dem Haus. Gruß, {PEOPLE[0][0]}")
        workflow.resolve(Ticket.objects.get(pk=second.pk), by=cls.bob, note="Abgeholt.")
        moderation.moderate(third, Ticket.Publication.PUBLISHED, by=cls.alice)
        merge.merge(Ticket.objects.get(pk=first.pk), [Ticket.objects.get(pk=fourth.pk)], by=cls.alice)
        subscriptions.subscribe(first, email=SUBSCRIBER)
        duplicates.support(Ticket.objects.get(pk=second.pk), ip="192.0.2.10", email=SUBSCRIBER)
        cls.key = ApiKey.issue("Meldeapp", "Beispiel GmbH")[1]
        run_jobs()

    def open311_ticket(self):
        first, last, email, phone = OPEN311_PERSON
        response = self.client.post(reverse("open311:requests", args=["json"]), {
            "api_key": self.key, "service_code": self.tickets[0].category.service_code,
            "lat": HERMANNPLATZ[0], "long": HERMANNPLATZ[1], "description": "Sperrmüll neben dem Container, seit Tagen.",
            "first_name": first, "last_name": last, "email": email, "phone": phone,
            **{f"attribute[{q['code']}]": q["values"][0]["key"]
               for q in self.tickets[0].category.questions if q.get("required")},
        })
        self.assertEqual(response.status_code, 201, response.content)
        return Ticket.objects.get(public_id=response.json()[0]["service_request_id"])

    def walk(self):
        """(url, response) for every public URL, with real arguments."""
        api = self.open311_ticket()
        run_jobs()
        published = list(Ticket.objects.published().order_by("pk"))
        self.assertGreaterEqual(len(published), 4)
        ticket = published[0]
        photo = ticket.attachments.first()
        area = ticket.area.slug
        code = ticket.category.service_code
        urls = {
            "publicweb:home": [reverse("publicweb:home")],
            "publicweb:report": [reverse("publicweb:report")],
            "publicweb:report_questions": [reverse("publicweb:report_questions") + f"?category={code}"],
            "publicweb:similar": [reverse("publicweb:similar") + f"?category={code}&lat={HERMANNPLATZ[0]}&lon={HERMANNPLATZ[1]}"],
            "publicweb:ticket": [t.get_absolute_url() for t in Ticket.objects.order_by("pk")],
            "publicweb:support": [reverse("publicweb:support", args=[ticket.public_id])],
            "publicweb:subscribe": [reverse("publicweb:subscribe", args=[ticket.public_id])],
            "publicweb:photo": [reverse("publicweb:photo", args=[ticket.public_id, photo.pk])],
            "publicweb:photo_thumbnail": [reverse("publicweb:photo_thumbnail", args=[ticket.public_id, photo.pk])],
            "publicweb:map": [reverse("publicweb:map")],
            "publicweb:map_list": [reverse("publicweb:map_list"), reverse("publicweb:map_list") + "?status=closed"],
            "publicweb:map_geojson": [reverse("publicweb:map_geojson"),
                                      reverse("publicweb:map_geojson") + "?status=all"],
            "publicweb:district_feed": [reverse("publicweb:district_feed", args=[area])],
            "publicweb:district_atom": [reverse("publicweb:district_atom", args=[area])],
            "publicweb:category_feed": [reverse("publicweb:category_feed", args=[code])],
            "publicweb:category_atom": [reverse("publicweb:category_atom", args=[code])],
            "core:healthz": [reverse("core:healthz")],
            "analytics:statistics": [reverse("analytics:statistics")],
            "analytics:open_data": [reverse("analytics:open_data")],
            "analytics:open_data_csv": [reverse("analytics:open_data_csv"),
                                        reverse("analytics:open_data_csv") + "?start=2000-01-01"],
            "analytics:open_data_geojson": [reverse("analytics:open_data_geojson")],
            "open311:openapi": [reverse("open311:openapi")],
        }
        for fmt in ("json", "xml"):
            urls.setdefault("open311:discovery", []).append(reverse("open311:discovery", args=[fmt]))
            urls.setdefault("open311:discovery-v2", []).append(reverse("open311:discovery-v2", args=[fmt]))
            urls.setdefault("open311:services", []).append(reverse("open311:services", args=[fmt]))
            urls.setdefault("open311:service", []).append(reverse("open311:service", args=[code, fmt]))
            listing = reverse("open311:requests", args=[fmt])
            urls.setdefault("open311:requests", []).extend([
                listing, listing + "?extensions=true", listing + "?status=closed&extensions=true",
                listing + f"?api_key={self.key}&extensions=true",
            ])
            for t in Ticket.objects.order_by("pk"):
                detail = reverse("open311:request", args=[t.public_id, fmt])
                urls.setdefault("open311:request", []).extend([detail, detail + "?extensions=true"])
            updates = reverse("open311:updates", args=[fmt])
            urls.setdefault("open311:updates", []).extend([updates, updates + "?start_date=2000-01-01T00:00:00Z"])
            urls.setdefault("open311:token", []).append(reverse("open311:token", args=[api.public_id, fmt]))
        self.assertEqual(set(urls) | set(PRIVATE), url_names(), "every public URL is walked or listed as private")
        for name, addresses in urls.items():
            for url in addresses:
                response = self.client.get(url)
                self.assertLess(response.status_code, 500, url)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                yield name, url, response, body

    def test_no_contact_data_anywhere_public(self):
        words = needles()
        walked = 0
        for _name, url, response, body in self.walk():
            walked += 1
            text = body.decode("utf-8", errors="replace").lower()
            for word in words:
                # Also as JSON escapes it ("\u00dc").
                for form in {word.lower(), word.encode("unicode_escape").decode().lower()}:
                    self.assertFalse(form in text, f"{form!r} appears in {url}")
        self.assertGreater(walked, 60)
        # The data is really there, and the scanner can see it where it belongs.
        private = self.client.get(self.tickets[0].get_private_url())
        self.assertContains(private, PEOPLE[0][1])
