import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from stadtlotse.demo import seed as demo
from stadtlotse.open311.keys import ensure_demo_key
from stadtlotse.tickets.workflow import WorkflowError


class Command(BaseCommand):
    help = (
        "Load Berlin's demo catalog, create the demo logins and about forty demo tickets. "
        "Safe to run again: nothing is duplicated, and no tickets are added once demo tickets exist."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords", action="store_true",
            help=f"Set the demo logins' passwords again (from {demo.PASSWORD_ENV}, default "
                 f"“{demo.DEFAULT_PASSWORD}”).",
        )

    def handle(self, *args, reset_passwords=False, verbosity=1, **options):
        started = time.monotonic()
        say = self.stdout.write if verbosity >= 1 else (lambda *a, **k: None)

        counts = demo.seed_catalog()
        say("Catalog: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + ".")

        texts = demo.seed_texts()
        say("Texts: " + ", ".join(f"{n} {kind}" for kind, n in texts.items()) + " added.")

        logins = demo.seed_users(reset_passwords=reset_passwords)
        new = [login.username for login in logins if login.created]
        say(f"Users: {len(logins)} demo logins" + (f" ({len(new)} created)." if new else ", all existed."))

        def progress(done, total):
            if done % 10 == 0 or done == total:
                say(f"  {done}/{total} tickets")

        try:
            result = demo.seed_tickets(progress=progress)
        except (ValidationError, WorkflowError, ValueError) as exc:
            # A catalog changed by hand may no longer fit the demo stories; nothing was written.
            raise CommandError(f"The demo tickets could not be created, none were saved: {exc}") from exc
        if result.created:
            statuses = ", ".join(f"{n} {status}" for status, n in sorted(result.statuses.items()))
            say(f"Tickets: {result.created} demo tickets created ({statuses}).")
            say("  Reports are dated over the last 60 days; later steps carry today's date.")
        else:
            say(self.style.WARNING(f"Tickets: {result.existing} demo tickets exist already; none added."))

        say("")
        say("Demo logins:")
        rows = [("username", "role", "department", "password")] + [
            (login.username, login.role, login.department or "–",
             login.password or "(not the demo password; --reset-passwords sets it)")
            for login in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            say("  " + "  ".join(value.ljust(width) for value, width in zip(row, widths)) + "  " + row[3])
        _key, plain, _created = ensure_demo_key()
        say("")
        say(f"Open311 API key for apps: {plain}   (base URL: {settings.SITE_URL}/open311/v2/)")
        say(f"Web: {settings.SITE_URL}/   back office: {settings.SITE_URL}/backoffice/")
        say(f"Done in {time.monotonic() - started:.1f} s.")
