"""Shared test fixtures: Berlin's districts, the demo catalog and named people, built with the real functions.

Personas (built once per test class in setUpTestData):
  alice  – the coordination desk
  bob    – Abfallwirtschaft (waste department), staff
  bianca – Abfallwirtschaft, department lead
  carol  – Straßen- und Grünflächenamt (street department), staff
  dave   – Straßensozialarbeit: staff of another department, an outsider to the others' tickets
  erin   – administrator
Residents have no accounts; `RITA` is the contact data of a resident who wants feedback.
"""

import os
import unittest
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.test import TestCase
from django.utils import translation
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django.db import transaction

from stadtlotse.accounts.models import Membership, User
from stadtlotse.catalog.loading import load_catalog
from stadtlotse.catalog.models import Category, Department
from stadtlotse.intake import intake
from stadtlotse.routing import areas

# Real places: (lat, lon)
HERMANNPLATZ = (52.4869, 13.4247)      # Neukölln
ALEXANDERPLATZ = (52.5219, 13.4132)    # Mitte
SPANDAU_ALTSTADT = (52.5363, 13.2040)  # Spandau
HAMBURG = (53.5511, 9.9937)            # outside Berlin

PASSWORD = "Stadtlotse-Test-2026!"


def resident(**overrides):
    values = {"name": "Rita Anwohnerin", "email": "rita@example.org", "wants_feedback": True}
    values.update(overrides)
    return intake.ContactData(**values)


def make_user(username, role, departments=(), lead=False, **extra):
    user = User.objects.create_user(username=username, password=PASSWORD, role=role,
                                    email=f"{username}@stadtlotse.localhost", first_name=username.title(), **extra)
    for department in departments:
        Membership.objects.create(user=user, department=department, is_lead=lead)
    return user


def build_world(cls):
    """Catalog and personas, attached to the test class."""
    areas.reset()
    load_catalog()
    cls.waste = Department.objects.get(slug="abfallwirtschaft")
    cls.streets = Department.objects.get(slug="strassen-gruenflaechenamt")
    cls.streetwork = Department.objects.get(slug="streetwork")
    cls.lighting = Department.objects.get(slug="strassenbeleuchtung")
    cls.alice = make_user("alice", User.Role.DESK)
    cls.bob = make_user("bob", User.Role.DEPARTMENT, [cls.waste])
    cls.bianca = make_user("bianca", User.Role.DEPARTMENT, [cls.waste], lead=True)
    cls.carol = make_user("carol", User.Role.DEPARTMENT, [cls.streets])
    cls.dave = make_user("dave", User.Role.DEPARTMENT, [cls.streetwork])
    cls.erin = make_user("erin", User.Role.ADMIN, is_staff=True, is_superuser=True)


def category(code):
    return Category.objects.get(service_code=code)


def report(code="abfall-sperrmuell", place=HERMANNPLATZ, description="Ein altes Sofa und zwei Matratzen am Gehweg.",
           contact=None, answers=None, **kwargs):
    """A report through the real intake, with sensible defaults."""
    cat = category(code)
    if answers is None:
        answers = {q["code"]: q["values"][0]["key"] for q in cat.questions if q.get("required")}
    lat, lon = place if place else (None, None)
    return intake.submit(category=cat, description=description, lat=lat, lon=lon,
                         contact=contact if contact is not None else resident(), answers=answers, **kwargs)


def run_jobs(limit=500):
    """Run every background job that is due, in this process, as the worker would. Returns how many ran."""
    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test", excluded_queue_names=[])
    ran = 0
    for _ in range(limit):
        with transaction.atomic():
            job = DBTaskResult.objects.ready().order_by("enqueued_at").select_for_update(skip_locked=True).first()
            if job is None:
                break
            job.claim("test")
        worker.run_task(job)
        ran += 1
    return ran


def missing_server(reason):
    """A test's server (Redis, PostgreSQL) does not answer: skip here, but fail in CI (CI=true), where it runs."""
    if os.environ.get("CI") == "true":
        raise AssertionError(f"{reason}; CI=true, where this test must run, so it fails instead of skipping")
    raise unittest.SkipTest(reason)


class StadtlotseTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_world(cls)

    def setUp(self):
        # The test client's LocaleMiddleware leaves the last request's language active in this thread.
        self.addCleanup(translation.activate, settings.LANGUAGE_CODE)
        # Rate-limit counters live in the cache; with Redis they would outlive the test's transaction.
        cache.clear()

    @classmethod
    def tearDownClass(cls):
        # The district index lives in process memory; the rows behind it are rolled back now.
        areas.reset()
        super().tearDownClass()


@contextmanager
def env(**values):
    old = {key: os.environ.get(key) for key in values}
    os.environ.update({key: str(value) for key, value in values.items()})
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
