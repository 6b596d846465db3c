"""Plain-text mails are plain: what staff and residents wrote arrives as written, not HTML-escaped."""

from django.test import override_settings

from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import HERMANNPLATZ, StadtlotseTestCase, report, resident, run_jobs
from stadtlotse.tickets import workflow

NOTE = 'Sofa & Matratzen „abgeholt“ – it\'s done, "wirklich" <b>heute</b>'


class PlainTextMailTests(StadtlotseTestCase):
    def test_status_mail_text_is_not_html_escaped_and_html_part_is(self):
        ticket = report(place=HERMANNPLATZ, contact=resident(email="klartext@example.org"))
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            run_jobs()
            workflow.accept(ticket, by=self.bob)
            workflow.resolve(ticket, by=self.bob, note=NOTE)
            run_jobs()
            mail = smtp.to("klartext@example.org")[-1]
        text = mail.get_body(preferencelist=("plain",)).get_content()
        self.assertIn(NOTE, text)
        for entity in ("&amp;", "&quot;", "&#x27;", "&#39;", "&lt;"):
            self.assertNotIn(entity, text)
        html = mail.get_body(preferencelist=("html",)).get_content()
        self.assertIn("&lt;b&gt;heute&lt;/b&gt;", html)
        self.assertNotIn("<b>heute</b>", html)

    def test_subject_is_plain_too(self):
        from stadtlotse.notifications.notify import render_message

        subject, text, _html = render_message("status", {"ticket": {"public_id": "SL-1 & 2"}, "event": None,
                                                         "private_url": "http://x/?a=1&b=2"}, "de")
        self.assertIn("http://x/?a=1&b=2", text)
        self.assertNotIn("&amp;", subject + text)
