"""Every back-office URL × every role × own/other department's ticket → the designed answer.

The URLs are read from the URLconf: a new back-office URL without an entry in EXPECTED fails
`test_every_url_is_covered`, so no URL goes untested.
"""


from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stadtlotse.accounts.models import SavedView
from stadtlotse.backoffice import urls as backoffice_urls
from stadtlotse.backoffice.forms import ACTION_FORMS
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, report
from stadtlotse.media.tests.images import TemporaryMediaMixin
from stadtlotse.tickets.models import Attachment

from .base import BackofficeTestCase

# The desk comes last: its requests change things (it deletes its own saved view).
ROLES = ("anonymous", "staff", "lead", "admin", "desk")
# What each role gets, per URL, for a ticket of the staff's own department and of another one.
# "served" means the request was handled: 200 (page or form with errors) or 302 (done, redirect back).
DESK_ONLY = {"anonymous": 302, "desk": "served", "admin": "served", "staff": (403, 404), "lead": (403, 404)}
EVERY_STAFF = {"anonymous": 302, "desk": "served", "admin": "served", "staff": ("served", 404),
               "lead": ("served", 404)}
EXPECTED = {
    "home": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": 200, "lead": 200}),
    "tickets": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": 200, "lead": 200}),
    "bulk": ("post", {"anonymous": 302, "desk": 302, "admin": 302, "staff": 302, "lead": 302}),
    # Department users see their own departments' figures: the page answers everybody with a login.
    "analytics": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": 200, "lead": 200}),
    "analytics_csv": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": 200, "lead": 200}),
    "analytics_xlsx": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": 200, "lead": 200}),
    "new_report": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": 403, "lead": 403}),
    "deliveries_failed": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": 403, "lead": 403}),
    # The delivery does not exist: the desk gets 404 after its permission passed.
    "delivery_retry": ("post", {"anonymous": 302, "desk": 404, "admin": 404, "staff": 403, "lead": 403}),
    # GET shows the list and the form; the entry does not exist, so the desk gets 404 on removal.
    "blocklist": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": 403, "lead": 403}),
    "blocklist_remove": ("post", {"anonymous": 302, "desk": 404, "admin": 404, "staff": 403, "lead": 403}),
    "save_view": ("post", {"anonymous": 302, "desk": 302, "admin": 302, "staff": 302, "lead": 302}),
    # The view belongs to the desk user: everybody else gets 404.
    "delete_view": ("post", {"anonymous": 302, "desk": 302, "admin": 404, "staff": 404, "lead": 404}),
    "ticket": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": (200, 404), "lead": (200, 404)}),
    "attachment": ("get", {"anonymous": 302, "desk": 200, "admin": 200, "staff": (200, 404), "lead": (200, 404)}),
    "moderate_photo": ("post", DESK_ONLY),
    "redact_photo": ("post", DESK_ONLY),
    # The rectangle does not exist: the desk gets a message and a redirect, others 403/404 first.
    "remove_redaction": ("post", DESK_ONLY),
    # The notification does not exist: the desk gets 404 after its permission passed.
    "callback_done": ("post", {"anonymous": 302, "desk": 404, "admin": 404, "staff": (403, 404),
                               "lead": (403, 404)}),
    "action": ("post", {action: DESK_ONLY for action in ("classify", "forward", "reopen", "mark_duplicate",
                                                         "moderate", "unmerge")}
               | {action: EVERY_STAFF for action in ("accept", "start", "resolve", "reject", "request_info",
                                                     "hand_back", "add_note", "assign", "follow_up")}),
}


class PermissionWalkTests(TemporaryMediaMixin, BackofficeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.users = {"desk": cls.alice, "staff": cls.bob, "lead": cls.bianca, "admin": cls.erin}
        cls.view = SavedView.objects.create(user=cls.alice, name="Meine", query="status=open")

    def setUp(self):
        super().setUp()
        # Fresh tickets per test: actions change them.
        self.own = report("abfall-sperrmuell", HERMANNPLATZ)       # waste: bob's and bianca's department
        self.other = report("strasse-schlagloch", ALEXANDERPLATZ)  # streets
        self.photos = {
            ticket.pk: Attachment.objects.create(ticket=ticket, original=SimpleUploadedFile("a.jpg", b"\xff\xd8x"),
                                                 content_type="image/jpeg", size=3)
            for ticket in (self.own, self.other)
        }

    def url(self, name, ticket, action=None):
        if name == "action":
            return reverse("backoffice:action", args=[ticket.public_id, action])
        if name in ("attachment", "moderate_photo", "redact_photo"):
            return reverse(f"backoffice:{name}", args=[ticket.public_id, self.photos[ticket.pk].pk])
        if name == "remove_redaction":
            return reverse("backoffice:remove_redaction", args=[ticket.public_id, self.photos[ticket.pk].pk, 1])
        if name == "callback_done":
            return reverse("backoffice:callback_done", args=[ticket.public_id, 999999])
        if name == "ticket":
            return reverse("backoffice:ticket", args=[ticket.public_id])
        if name == "delivery_retry":
            return reverse("backoffice:delivery_retry", args=[999999])
        if name == "blocklist_remove":
            return reverse("backoffice:blocklist_remove", args=[999999])
        if name == "analytics_csv":
            return reverse("backoffice:analytics_csv", args=["intake"])
        if name == "delete_view":
            return reverse("backoffice:delete_view", args=[self.view.pk])
        return reverse(f"backoffice:{name}")

    def check(self, name, method, expected, ticket, which, action=None):
        for role in ROLES:
            want = expected[role]
            if isinstance(want, tuple):
                want = want[0] if which == "own" else want[1]
            if role == "anonymous":
                self.client.logout()
            else:
                self.client.force_login(self.users[role])
            url = self.url(name, ticket, action)
            response = getattr(self.client, method)(url)
            with self.subTest(url=url, role=role, ticket=which):
                if want == "served":
                    self.assertIn(response.status_code, (200, 302))
                else:
                    self.assertEqual(response.status_code, want)
                if role == "anonymous":
                    self.assertTrue(response["Location"].startswith(reverse("accounts:login")))

    def test_every_url_is_covered(self):
        names = {pattern.name for pattern in backoffice_urls.urlpatterns}
        self.assertEqual(names, set(EXPECTED))
        self.assertEqual(set(EXPECTED["action"][1]), set(ACTION_FORMS))

    def test_urls_without_a_ticket(self):
        for name, (method, expected) in EXPECTED.items():
            if name in ("ticket", "attachment", "moderate_photo", "redact_photo", "remove_redaction", "callback_done",
                        "action"):
                continue
            self.check(name, method, expected, None, "own")

    def test_ticket_urls(self):
        for name in ("ticket", "attachment", "moderate_photo", "redact_photo", "remove_redaction", "callback_done"):
            method, expected = EXPECTED[name]
            for which, ticket in (("own", self.own), ("other", self.other)):
                self.check(name, method, expected, ticket, which)

    def test_actions(self):
        method, per_action = EXPECTED["action"]
        for action, expected in per_action.items():
            for which, ticket in (("own", self.own), ("other", self.other)):
                self.check("action", method, expected, ticket, which, action=action)
