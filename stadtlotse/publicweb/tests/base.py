from django.test import Client
from django.utils import translation

from stadtlotse.testing.cases import StadtlotseTestCase


class GermanClient(Client):
    """The test client as a browser with no language preference: German, the default.

    LocaleMiddleware leaves the request's language active in the test thread; it is restored after each
    request so that later tests, which call domain functions directly, still get the default.
    """

    def request(self, **request):
        with translation.override(translation.get_language()):
            return super().request(**request)


class EnglishClient(GermanClient):
    """Pages in English, so messages can be compared with their msgids whatever translations exist."""

    def __init__(self, **kwargs):
        super().__init__(headers={"accept-language": "en"}, **kwargs)


class PublicWebTestCase(StadtlotseTestCase):
    client_class = EnglishClient
