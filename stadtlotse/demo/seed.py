"""Demo data for trying Stadtlotse: Berlin's catalog, five staff logins and about forty tickets.

Everything is made with the real domain functions (`load_catalog`, `intake.submit`, `workflow.*`),
so the demo holds exactly what the system itself would have written, background jobs and
notifications included. Nothing is sent while seeding: e-mails are jobs that the worker delivers
later to the configured mail backend.

The report texts come from stadtlotse/demo/data/demo-reports.json (see SOURCES.md there). Reports
are backdated over the last 60 days with `intake.submit(now=...)`; the workflow functions have no
clock parameter, so every later step (forwarding, acceptance, notes) carries the time of seeding.

All `seed_*` functions are idempotent; `seed_tickets` adds nothing once any demo ticket exists.
"""

import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from shapely import prepare
from shapely.geometry import Point

from stadtlotse.accounts.models import Membership, User
from stadtlotse.catalog.loading import load_catalog
from stadtlotse.catalog.models import Area, Category, Department, KnowledgeArticle, RoutingRule
from stadtlotse.intake import intake
from stadtlotse.catalog.geometry import shape_from_geojson
from stadtlotse.tickets import moderation, workflow
from stadtlotse.tickets.models import TextTemplate, Ticket

REPORTS_FILE = Path(__file__).resolve().parent / "data" / "demo-reports.json"
TEXTS_FILE = Path(__file__).resolve().parent / "data" / "demo-texts.json"
DEFAULT_PASSWORD = "stadtlotse-demo"
PASSWORD_ENV = "STADTLOTSE_DEMO_PASSWORD"
# Fixed, so every fresh demo puts its pins on the same places.
RANDOM_SEED = 311


def demo_password():
    return os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD


def load_reports(path=REPORTS_FILE):
    """The demo report texts: [{"category", "text", "district", "source"}]."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --- Catalog -----------------------------------------------------------------------------------

def seed_catalog():
    """Berlin's districts, departments, categories and routing rules. Returns counts by kind.

    Loaded only into an empty catalog: `make run` seeds on every start and must not undo what an
    administrator has changed since.
    """
    if not Category.objects.exists():
        load_catalog()
    return {
        "districts": Area.objects.count(),
        "departments": Department.objects.count(),
        "categories": Category.objects.count(),
        "routing rules": RoutingRule.objects.count(),
    }


# --- Users -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    department: str = ""  # slug
    lead: bool = False
    admin: bool = False


DEMO_USERS = (
    DemoUser("desk", User.Role.DESK, "Dana", "Koordination"),
    DemoUser("abfall", User.Role.DEPARTMENT, "Ali", "Abfall", department="abfallwirtschaft", lead=True),
    DemoUser("strasse", User.Role.DEPARTMENT, "Sanne", "Straße", department="strassen-gruenflaechenamt"),
    DemoUser("ordnung-neukoelln", User.Role.DEPARTMENT, "Olaf", "Ordnung", department="ordnungsamt-neukoelln"),
    DemoUser("admin", User.Role.ADMIN, "Ada", "Admin", admin=True),
)


@dataclass
class Login:
    username: str
    role: str
    department: str
    password: str  # empty when it is not the demo password any more
    created: bool


@transaction.atomic
def seed_users(*, reset_passwords=False, password=None):
    """Create the demo logins that are missing and their department memberships. Returns a Login per user.

    Existing users keep their password unless `reset_passwords`; the password is the value of
    STADTLOTSE_DEMO_PASSWORD, "stadtlotse-demo" when that is unset.
    """
    password = password or demo_password()
    logins = []
    for spec in DEMO_USERS:
        department = Department.objects.get(slug=spec.department) if spec.department else None
        user = User.objects.filter(username=spec.username).first()
        created = user is None
        if created:
            user = User(
                username=spec.username, role=spec.role, first_name=spec.first_name, last_name=spec.last_name,
                email=f"{spec.username}@stadtlotse.localhost", is_staff=spec.admin, is_superuser=spec.admin,
            )
        if created or reset_passwords:
            user.set_password(password)
            user.save()
            known = True
        else:
            known = user.check_password(password)
        if department is not None:
            Membership.objects.get_or_create(user=user, department=department, defaults={"is_lead": spec.lead})
        logins.append(Login(
            username=spec.username,
            role=user.role,
            department=department.name if department else "",
            password=password if known else "",
            created=created,
        ))
    return logins


# --- Text templates and knowledge base ----------------------------------------------------------

@transaction.atomic
def seed_texts(*, language: str | None = None, path: Path = TEXTS_FILE) -> dict[str, int]:
    """Add the demo's text templates and knowledge-base articles that are missing. Returns counts created.

    Found by name (template) or title and category (article): what an administrator has edited or
    deactivated stays as it is. One language is written, the site's (German unless LANGUAGE_CODE is
    English), since a template holds one text. Each template is checked as the admin would check it,
    so a public note never carries the reporter's data. Entries for a category the catalog no longer
    has are left out.
    """
    english = (language or settings.LANGUAGE_CODE).startswith("en")
    data = json.loads(path.read_text(encoding="utf-8"))
    created = {"text templates": 0, "knowledge base articles": 0}
    for spec in data["templates"]:
        name = spec["name_en"] if english else spec["name"]
        category = Category.objects.filter(service_code=spec["category"]).first() if spec["category"] else None
        if (spec["category"] and category is None) or TextTemplate.objects.filter(name=name).exists():
            continue
        template = TextTemplate(name=name, purpose=spec["purpose"], status=spec["status"], category=category,
                                text=spec["text_en"] if english else spec["text"])
        template.full_clean()
        template.save()
        created["text templates"] += 1
    for spec in data["articles"]:
        title = spec["title_en"] if english else spec["title"]
        category = Category.objects.filter(service_code=spec["category"]).first()
        if category is None or KnowledgeArticle.objects.filter(category=category, title=title).exists():
            continue
        article = KnowledgeArticle(category=category, title=title, body=spec["body_en"] if english else spec["body"])
        article.full_clean()
        article.save()
        created["knowledge base articles"] += 1
    return created


# --- Tickets -----------------------------------------------------------------------------------

def _contact(name="", email="", phone="", *, feedback=True, phone_first=False):
    return {"name": name, "email": email, "phone": phone, "wants_feedback": feedback,
            "preferred": "phone" if phone_first else "email"}


# Fictitious people; e-mail at example.org, phone numbers from Berlin's range for fiction (030 23125 xxx).
CONTACTS = {
    "max": _contact("Max Mustermann", "max.mustermann@example.org"),
    "erika": _contact("Erika Mustermann", "erika.mustermann@example.org", "030 23125 101"),
    "otto": _contact("Otto Normalverbraucher", phone="030 23125 102"),
    "lieschen": _contact("Lieschen Müller", "lieschen.mueller@example.org", feedback=False),
    "kiez": _contact(email="kiezinitiative@example.org"),
    "kita": _contact("Kita Sonnenblume, Leitung", "kita-sonnenblume@example.org", "030 23125 103", phone_first=True),
    "hanna": _contact("Hanna Beispiel", phone="030 23125 104"),
    "tiefbau": _contact("Ingenieurbüro Beispiel (Brückenprüfung)", "pruefung@example.org"),
}


class Cast:
    """The people and departments the stories need, and who answers for a department."""

    def __init__(self):
        self.desk = User.objects.get(username="desk")
        self.departments = {d.slug: d for d in Department.objects.all()}
        members = {"abfallwirtschaft": "abfall", "strassen-gruenflaechenamt": "strasse",
                   "ordnungsamt-neukoelln": "ordnung-neukoelln"}
        self.staff_by_department = {slug: User.objects.get(username=name) for slug, name in members.items()}

    def staff(self, ticket):
        """Who acts for the ticket's department: its demo login, the lighting office's e-mail replies, or the desk."""
        department = ticket.department
        if department is None:
            return self.desk
        if department.slug in self.staff_by_department:
            return self.staff_by_department[department.slug]
        if department.connector == Department.Connector.EMAIL:
            # Departments on the e-mail connector answer by replying to the forwarding mail.
            return workflow.external(f"{department.name} (E-Mail-Antwort)", department)
        return self.desk

    def department(self, slug):
        if slug not in self.departments:
            raise ValueError(f"department {slug!r} of the demo stories is not in the catalog")
        return self.departments[slug]


# Steps: small functions (ticket, cast, tickets) that each make one real workflow call.

def classify(**changes):
    def step(ticket, cast, tickets):
        workflow.classify(ticket, by=cast.desk, **changes)
    return step


def forward(slug, note=""):
    def step(ticket, cast, tickets):
        workflow.forward(ticket, cast.department(slug), by=cast.desk, note=note)
    return step


def accept(note=""):
    def step(ticket, cast, tickets):
        workflow.accept(ticket, by=cast.staff(ticket), note=note)
    return step


def start(note=""):
    def step(ticket, cast, tickets):
        workflow.start(ticket, by=cast.staff(ticket), note=note)
    return step


def resolve(note, *, by_desk=False):
    def step(ticket, cast, tickets):
        workflow.resolve(ticket, by=cast.desk if by_desk else cast.staff(ticket), note=note)
    return step


def reject(reason, *, by_desk=False):
    def step(ticket, cast, tickets):
        workflow.reject(ticket, by=cast.desk if by_desk else cast.staff(ticket), reason=reason)
    return step


def note(text, *, public=False, by_desk=False):
    def step(ticket, cast, tickets):
        workflow.add_note(ticket, text, by=cast.desk if by_desk else cast.staff(ticket), public=public)
    return step


def assign_to_self():
    def step(ticket, cast, tickets):
        staff = cast.staff(ticket)
        workflow.assign(ticket, staff, by=staff)
    return step


def hand_back(reason):
    def step(ticket, cast, tickets):
        workflow.hand_back(ticket, by=cast.staff(ticket), reason=reason)
    return step


def ask(question):
    def step(ticket, cast, tickets):
        workflow.request_info(ticket, by=cast.desk, question=question)
    return step


def answer(text):
    def step(ticket, cast, tickets):
        workflow.answer_info(ticket, text=text)
    return step


def publish(public_description=None):
    def step(ticket, cast, tickets):
        moderation.moderate(ticket, Ticket.Publication.PUBLISHED, by=cast.desk,
                            public_description=public_description)
    return step


def hide(reason):
    def step(ticket, cast, tickets):
        moderation.moderate(ticket, Ticket.Publication.HIDDEN, by=cast.desk, reason=reason)
    return step


def merge_into(text, *, reopen_reason):
    """The desk reopens the earlier, closed ticket at `text` and merges this one into it."""
    def step(ticket, cast, tickets):
        original = tickets[text]
        workflow.reopen(original, by=cast.desk, reason=reopen_reason)
        workflow.mark_duplicate(ticket, original, by=cast.desk,
                                note=f"Gleiche Stelle wie {original.public_id}; dort wird weitergearbeitet.")
    return step


def then_on(text, *steps):
    """Run further steps on the earlier ticket at `text` (e.g. after merging into it)."""
    def step(ticket, cast, tickets):
        for inner in steps:
            inner(tickets[text], cast, tickets)
    return step


@dataclass(frozen=True)
class Report:
    days_ago: float
    text: str  # a distinctive part of one text in demo-reports.json
    steps: tuple = ()
    contact: str = ""
    channel: str = Ticket.Channel.WEB
    answers: dict = field(default_factory=dict)
    near: str = ""  # text of an earlier report made at almost the same spot
    staff_entry: bool = False  # entered by the desk (phone, letter, counter)


# Oldest first, so ticket numbers follow the dates of receipt.
REPORTS = (
    Report(58, "Seit zwei Wochen liegt eine Matratze", contact="max", answers={"menge": "mittel"}, steps=(
        accept(), start(),
        resolve("Die BSR hat die Matratze und die Sofateile abgeholt. Danke für Ihre Meldung!"),
    )),
    Report(57, "Imbrosweg 8", contact="erika", answers={"gefahr": "ja"}, steps=(
        accept(), start("Eine Kolonne ist beauftragt."),
        resolve("Das Schlagloch wurde provisorisch mit Kaltasphalt verfüllt. Die Fahrbahndecke wird im "
                "Frühjahr im Zuge der Straßensanierung erneuert."),
    )),
    Report(55, "Oppelner Straße 28", answers={"art": "aus"}, steps=(
        accept(), resolve("Leuchtmittel getauscht, die Laterne brennt wieder."),
    )),
    Report(54, "ausgebranntes Auto", contact="otto", channel=Ticket.Channel.PHONE, staff_entry=True, steps=(
        publish(),
        note("Polizei hat das Fahrzeug ebenfalls aufgenommen; Halterermittlung läuft.", by_desk=True),
    )),
    Report(52, "hängenden Müllkörbe", contact="kiez", steps=(
        accept(), start(),
        resolve("Die Papierkörbe im Imbrosweg wurden geleert; die Leerung erfolgt dort künftig zweimal "
                "pro Woche."),
    )),
    Report(50, "Hermannbrücke", contact="tiefbau", channel=Ticket.Channel.EMAIL, steps=(
        accept("Wir kümmern uns um die Räumung."), assign_to_self(), start(),
        note("Räumung bei der BSR beauftragt, Auftragsnummer folgt.", public=False),
        resolve("Die Ablagerungen unter der Brücke wurden geräumt. Die Fläche wird nun regelmäßig kontrolliert."),
    )),
    Report(48, "Rudi-Dutschke-Str. 17", contact="lieschen", steps=(
        accept(), start("Die Absenkung ist abgesperrt, die Reparatur ist beauftragt."),
        note("Fachfirma kommt voraussichtlich in KW 2; weitere Absenkungen bis Markgrafenstr. mit prüfen."),
    )),
    Report(47, "Innsbrucker Platz", contact="erika", steps=(
        classify(priority="high"),
        forward("streetwork", note="Bitte Kontakt aufnehmen; die Frau lebt seit Wochen an der Haltestelle."),
        hide("Betrifft eine hilfsbedürftige Person; wird nicht veröffentlicht."),
        note("Streetwork war zweimal vor Ort, die Frau nimmt Gesprächsangebote an.", by_desk=True),
        resolve("Die Straßensozialarbeit steht mit der Frau in Kontakt und hat ihr einen Platz in einer "
                "Unterkunft vermittelt. Vielen Dank, dass Sie hingeschaut haben.", by_desk=True),
    )),
    Report(45, "Das Denkmal ist beschmiert", steps=(publish(),)),
    Report(44, "Wartburgstraße 38", contact="max", answers={"menge": "gross"}, steps=(
        accept(), start(), resolve("Kühlschränke, Sofa und Gerümpel wurden abgeholt."),
    )),
    Report(42, "Wasserpumpe defekt", contact="kita", steps=(
        accept(), start(),
        note("Ersatzteil für die Pumpe bestellt, Lieferzeit etwa drei Wochen."),
        note("Die Pumpe ist abgestellt; das Ersatzteil ist bestellt.", public=True),
    )),
    Report(40, "vom Café aus laute Musik", contact="lieschen", steps=(
        forward("ordnungsamt-friedrichshain-kreuzberg", note="Wiederholte Beschwerde, bitte abends kontrollieren."),
    )),
    Report(39, "Birke durch Sturm", contact="otto", channel=Ticket.Channel.PHONE, staff_entry=True, steps=(
        accept(), start(), resolve("Der Baum wurde zersägt und abtransportiert, der Weg ist wieder frei."),
    )),
    Report(38, "4 kaputte und nicht genutzte", contact="max", steps=(
        accept(), start(),
        note("Räder mit Hinweiszetteln markiert, Frist vier Wochen."),
        note("Die Räder sind markiert. Werden sie nicht abgeholt, lassen wir sie nach Ablauf der Frist "
             "entfernen.", public=True),
    )),
    Report(36, "Gerlindeweg", contact="hanna", channel=Ticket.Channel.PHONE, staff_entry=True, steps=(
        note("Verkehrsregelungszentrale telefonisch über die Störung informiert.", by_desk=True),
    )),
    Report(35, "Flaschenscherben", contact="kiez", steps=(
        hand_back("Keine Schadstelle am Radweg, sondern Verschmutzung: bitte an die Abfallwirtschaft."),
        forward("abfallwirtschaft", note="Scherben und Farbe auf Rad- und Gehweg, bitte Reinigung."),
        accept("Die Reinigung ist beauftragt."),
    )),
    Report(33, "hinten links die Scheibe eingeschlagen", contact="erika", steps=(
        publish(), accept(),
        note("Halteranfrage beim Kraftfahrt-Bundesamt gestellt."),
    )),
    Report(32, "Teppichreste", answers={"menge": "klein"}, steps=(
        reject("Bei der Kontrolle vor Ort lagen dort keine Teppichreste mehr."),
    )),
    Report(30, "Corinthstr", contact="max", answers={"art": "tags"}, steps=(
        reject("Die Laternen in der Corinthstraße wurden bei einer Wartung tagsüber geprüft; ein Defekt "
               "liegt nicht vor."),
    )),
    Report(29, "Alvenslebenplatz", steps=(
        accept("Der Rückschnitt ist für die Pflegerunde im November eingeplant."), assign_to_self(),
    )),
    Report(27, "(Kennzeichen entfernt)", contact="kita", steps=(
        forward("verkehr-schulwegsicherheit", note="Schulweg; bitte Poller oder Halteverbot prüfen."),
        publish(),
    )),
    Report(26, "Reuterkiez", contact="lieschen", steps=(
        accept(), assign_to_self(), start("Die Stellen werden diese Woche geräumt."),
    )),
    Report(25, "Julius-Leber-Brücke", contact="max", steps=(
        classify(priority="high"),
        forward("streetwork", note="Bei Kälte bitte zeitnah aufsuchen."),
        note("Kältehilfe informiert.", by_desk=True),
    )),
    Report(24, "Mast des Verkehrszeichen", contact="erika", steps=(
        ask("Können Sie uns sagen, an welcher Kreuzung das Schild steht?"),
        answer("An der Einmündung zur Nebenstraße, direkt vor dem Bäcker."),
    )),
    Report(22, "liegt noch immer vor dem Eingang", contact="erika", answers={"menge": "mittel"},
           near="Seit zwei Wochen liegt eine Matratze", steps=(
        merge_into("Seit zwei Wochen liegt eine Matratze",
                   reopen_reason="Nach einer neuen Meldung liegt die Matratze noch dort."),
        then_on("Seit zwei Wochen liegt eine Matratze", accept("Wir schicken die BSR noch einmal hin."), start()),
    )),
    Report(21, "Kochstr. 2", contact="otto", answers={"gefahr": "nein"}, steps=(accept(),)),
    Report(20, "Fußgängerunterführung", contact="kiez", answers={"tageszeit": ["abends", "nachts"]}, steps=(
        classify(priority="high"),
        forward("strassenbeleuchtung", note="Zwei Leuchten in der Unterführung defekt; Angstraum."),
        accept(),
        publish("Die Fußgängerunterführung am S-Bahnhof ist abends sehr dunkel, zwei Lampen sind defekt."),
    )),
    Report(18, "Sammelcontainer für Textilien"),
    Report(17, "Imbiss-Müll", contact="kiez", steps=(
        accept("Hier wird ein größerer Papierkorb aufgestellt."),
    )),
    Report(16, "goldfarbener VW UP", contact="otto"),
    Report(15, "älterer Herr sitzt seit gestern", contact="hanna", channel=Ticket.Channel.PHONE, staff_entry=True,
           steps=(
        classify(priority="urgent"),
        forward("streetwork", note="Dringend: älterer Mann, verwirrt, Kälte."),
        note("Kältebus verständigt; Rückruf bei der Anruferin zugesagt.", by_desk=True),
    )),
    Report(14, "Bei den Winden in den letzten Tagen", contact="max", steps=(accept(),)),
    Report(13, "Radwegüberfahrt", contact="max", steps=(
        accept(), start("Die Leitungsbaufirma ist zur Wiederherstellung aufgefordert."),
    )),
    Report(12, "Streit zwischen zwei Gruppen", contact="erika", steps=(
        forward("ordnungsamt-neukoelln", note="Wiederkehrender nächtlicher Konflikt; Streetwork einbeziehen?"),
        accept(), note("Gemeinsame Begehung mit der Straßensozialarbeit am Donnerstagabend verabredet."),
        start(),
    )),
    Report(10, "gegenüber vom KaDeWe", steps=(
        reject("Für akute Störungen ist die Polizei zuständig (110). Wir haben die Beobachtung an den "
               "Kontaktbereichsbeamten weitergegeben.", by_desk=True),
        hide("Beschreibt das Verhalten einzelner Personen."),
    )),
    Report(9, "Fahrzeug ohne Kennzeichen steht seit mehreren Tagen", contact="max"),
    Report(7, "fehlt ein Zebrastreifen", contact="kita", steps=(
        ask("Welche Grundschule ist es, und an welcher Kreuzung fehlt der Überweg?"),
    )),
    Report(6, "Sitzmöbel sind völlig verrostet", contact="kita"),
    Report(5, "weg über den Spielplatz unzureichend beleuchtet", answers={"tageszeit": ["nachts"]}),
    Report(4, "direkt neben einer Kita", contact="lieschen"),
    Report(3, "Stubenrauchbrücke", contact="otto", channel=Ticket.Channel.PHONE, staff_entry=True),
    Report(2, "flackert seit einer Woche", contact="kiez", answers={"art": "flackert"}),
    Report(1, "endet der Gehweg plötzlich", contact="kita"),
    Report(0.1, "offene Wunden an den Beinen", contact="hanna"),
)


@dataclass
class SeedResult:
    created: int = 0
    existing: int = 0
    statuses: Counter = field(default_factory=Counter)


def demo_tickets(reports=None):
    """The demo tickets in the database: those whose description is one of the demo texts."""
    reports = reports if reports is not None else load_reports()
    return Ticket.objects.filter(description__in=[r["text"] for r in reports])


def _find_text(reports, part):
    matches = [r for r in reports if part in r["text"]]
    if len(matches) != 1:
        raise ValueError(f"demo text {part!r} matches {len(matches)} entries of {REPORTS_FILE.name}")
    return matches[0]


class _Places:
    """Random points inside the districts, from one seeded generator."""

    def __init__(self, rng):
        self.rng = rng
        self.shapes = {}

    def _shape(self, area):
        if area.pk not in self.shapes:
            geom = shape_from_geojson(area.geometry)
            prepare(geom)
            self.shapes[area.pk] = geom
        return self.shapes[area.pk]

    def inside(self, area):
        geom = self._shape(area)
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        while True:
            lon, lat = self.rng.uniform(min_lon, max_lon), self.rng.uniform(min_lat, max_lat)
            if geom.contains(Point(lon, lat)):
                return round(lat, 6), round(lon, 6)

    def near(self, area, lat, lon):
        """A point a few metres from (lat, lon), still in the district."""
        geom = self._shape(area)
        for _ in range(20):
            # About ±20 m in each direction at Berlin's latitude.
            moved_lat = round(lat + self.rng.uniform(-0.0002, 0.0002), 6)
            moved_lon = round(lon + self.rng.uniform(-0.0003, 0.0003), 6)
            if geom.contains(Point(moved_lon, moved_lat)):
                return moved_lat, moved_lon
        return lat, lon


def _received_at(now, days_ago, rng):
    """A plausible time of day (07:00–21:59, city time) `days_ago` days before `now`, never in the future."""
    day = timezone.localtime(now).date() - timedelta(days=int(days_ago))
    moment = datetime.combine(day, time(rng.randint(7, 21), rng.randint(0, 59)))
    moment = timezone.make_aware(moment)
    return min(moment, now - timedelta(minutes=30))


def _answers(category, report, rng):
    answers = dict(report.answers)
    for question in category.questions:
        if question.get("required") and question["code"] not in answers:
            answers[question["code"]] = rng.choice(question["values"])["key"]
    return answers


@transaction.atomic
def seed_tickets(*, now=None, progress=None, reports=None):
    """Submit the demo reports and play their stories, unless demo tickets exist already. Returns a SeedResult.

    All or nothing: one transaction. `progress(done, total)` is called after each ticket.
    """
    reports = reports if reports is not None else load_reports()
    existing = demo_tickets(reports).count()
    if existing:
        return SeedResult(existing=existing)
    now = now or timezone.now()
    rng = random.Random(RANDOM_SEED)
    places = _Places(rng)
    cast = Cast()
    areas = {a.name: a for a in Area.objects.all()}
    categories = {c.service_code: c for c in Category.objects.all()}
    tickets, points = {}, {}
    for number, report in enumerate(REPORTS, start=1):
        entry = _find_text(reports, report.text)
        area, category = areas.get(entry["district"]), categories.get(entry["category"])
        if area is None or category is None:
            raise ValueError(f"district {entry['district']!r} or category {entry['category']!r} of demo text "
                             f"{report.text!r} is not in the catalog")
        if report.near:
            lat, lon = places.near(area, *points[report.near])
        else:
            lat, lon = places.inside(area)
        contact = intake.ContactData(**CONTACTS[report.contact]) if report.contact else None
        ticket = intake.submit(
            category=category, description=entry["text"], lat=lat, lon=lon, channel=report.channel,
            contact=contact, answers=_answers(category, report, rng),
            by=cast.desk if report.staff_entry else None, now=_received_at(now, report.days_ago, rng),
        )
        tickets[report.text], points[report.text] = ticket, (lat, lon)
        for step in report.steps:
            step(ticket, cast, tickets)
        if progress:
            progress(number, len(REPORTS))
    statuses = Counter(Ticket.objects.filter(pk__in=[t.pk for t in tickets.values()]).values_list("status", flat=True))
    return SeedResult(created=len(tickets), statuses=statuses)
