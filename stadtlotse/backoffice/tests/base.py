from django.test import Client
from django.urls import reverse
from django.utils import translation

from stadtlotse.testing.cases import StadtlotseTestCase


class EnglishClient(Client):
    """Pages in English, so messages can be compared with their msgids whatever translations exist."""

    def __init__(self, **kwargs):
        super().__init__(headers={"Accept-Language": "en"}, **kwargs)

    def request(self, **request):
        # LocaleMiddleware leaves its language active in this thread; later tests expect the default.
        with translation.override(translation.get_language()):
            return super().request(**request)


class BackofficeTestCase(StadtlotseTestCase):
    client_class = EnglishClient

    def act(self, ticket, action, follow=False, **fields):
        """POST one action form of the ticket page, with its field prefix."""
        url = reverse("backoffice:action", args=[ticket.public_id, action])
        return self.client.post(url, {f"{action}-{name}": value for name, value in fields.items()}, follow=follow)

    def last_message(self, response):
        return str(list(response.context["messages"])[-1])
