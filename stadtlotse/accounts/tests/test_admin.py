from django.urls import reverse

from stadtlotse.accounts.models import Membership, User
from stadtlotse.catalog.models import Area, Category, RoutingRule
from stadtlotse.testing.cases import PASSWORD, StadtlotseTestCase, report
from stadtlotse.routing import areas
from stadtlotse.tickets.models import Event, Ticket


class AdminPagesTests(StadtlotseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report("abfall-sperrmuell")

    def setUp(self):
        self.client.force_login(self.erin)

    def test_every_changelist_opens(self):
        for model in ("accounts/user", "catalog/category", "catalog/department", "catalog/area",
                      "catalog/routingrule", "tickets/ticket", "tickets/event",
                      "notifications/notification", "connectors/delivery"):
            with self.subTest(model=model):
                self.assertEqual(self.client.get(f"/admin/{model}/").status_code, 200)

    def test_change_pages_open(self):
        area = Area.objects.get(slug="neukoelln")
        for url in (
            reverse("admin:accounts_user_change", args=[self.bob.pk]),
            reverse("admin:catalog_category_change", args=[Category.objects.get(service_code="abfall-sperrmuell").pk]),
            reverse("admin:catalog_area_change", args=[area.pk]),
            reverse("admin:catalog_routingrule_change", args=[RoutingRule.objects.first().pk]),
            reverse("admin:tickets_ticket_change", args=[self.ticket.pk]),
            reverse("admin:tickets_event_change", args=[self.ticket.events.first().pk]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_user_page_shows_role_and_memberships(self):
        response = self.client.get(reverse("admin:accounts_user_change", args=[self.bianca.pk]))
        self.assertContains(response, 'name="role"')
        self.assertContains(response, 'name="memberships-0-is_lead"')

    def test_add_user_with_role_and_department(self):
        response = self.client.post(reverse("admin:accounts_user_add"), {
            "username": "frank", "role": User.Role.DEPARTMENT, "usable_password": "true",
            "password1": PASSWORD, "password2": PASSWORD,
            "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
            "memberships-0-department": self.waste.pk, "memberships-0-is_lead": "on",
        })
        self.assertEqual(response.status_code, 302)
        frank = User.objects.get(username="frank")
        self.assertEqual(frank.role, User.Role.DEPARTMENT)
        self.assertTrue(frank.check_password(PASSWORD))
        self.assertTrue(Membership.objects.filter(user=frank, department=self.waste, is_lead=True).exists())

    def test_tickets_cannot_be_added_or_changed_in_the_admin(self):
        self.assertEqual(self.client.get(reverse("admin:tickets_ticket_add")).status_code, 403)
        url = reverse("admin:tickets_ticket_change", args=[self.ticket.pk])
        self.assertNotContains(self.client.get(url), 'name="status"')
        self.client.post(url, {"status": Ticket.Status.DONE})
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.FORWARDED)

    def test_timeline_cannot_be_deleted_in_the_admin(self):
        event = self.ticket.events.first()
        self.assertEqual(self.client.get(reverse("admin:tickets_event_delete", args=[event.pk])).status_code, 403)
        self.assertTrue(Event.objects.filter(pk=event.pk).exists())

    def test_ticket_search_by_id(self):
        other = report("strasse-schlagloch")
        response = self.client.get(reverse("admin:tickets_ticket_changelist"), {"q": self.ticket.public_id})
        self.assertContains(response, self.ticket.public_id)
        self.assertNotContains(response, other.public_id)

    def test_area_list_does_not_load_boundaries(self):
        response = self.client.get(reverse("admin:catalog_area_changelist"))
        self.assertContains(response, "Neukölln")
        self.assertNotIn("geometry", response.context["cl"].result_list[0].__dict__)

    def test_staff_without_admin_rights_get_the_admin_login(self):
        self.client.force_login(self.bob)
        response = self.client.get("/admin/")
        self.assertRedirects(response, "/admin/login/?next=/admin/", target_status_code=302)


class AreaAdminTests(StadtlotseTestCase):
    def setUp(self):
        self.client.force_login(self.erin)
        self.area = Area.objects.get(slug="spandau")

    def test_saving_a_district_bumps_the_index_version(self):
        url = reverse("admin:catalog_area_change", args=[self.area.pk])
        data = {"name": "Spandau (neu)", "slug": "spandau", "code": "05", "parent": "", "population": "250000",
                "geometry": self.area.geometry_json()}
        before = areas.current_version()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        self.area.refresh_from_db()
        self.assertEqual(self.area.name, "Spandau (neu)")
        self.assertEqual(areas.current_version(), before + 1)

    def test_deleting_a_district_bumps_the_index_version(self):
        unused = Area.objects.create(name="Testbezirk", slug="testbezirk", geometry={
            "type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]})
        before = areas.current_version()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("admin:catalog_area_delete", args=[unused.pk]), {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Area.objects.filter(pk=unused.pk).exists())
        self.assertEqual(areas.current_version(), before + 1)

    def test_bulk_delete_bumps_the_index_version(self):
        unused = Area.objects.create(name="Testbezirk", slug="testbezirk", geometry={
            "type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]})
        before = areas.current_version()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("admin:catalog_area_changelist"),
                             {"action": "delete_selected", "_selected_action": [unused.pk], "post": "yes"})
        self.assertFalse(Area.objects.filter(pk=unused.pk).exists())
        self.assertEqual(areas.current_version(), before + 1)

    def test_invalid_boundary_is_refused(self):
        url = reverse("admin:catalog_area_change", args=[self.area.pk])
        response = self.client.post(url, {"name": "Spandau", "slug": "spandau", "geometry": '{"type": "Point"}'})
        self.assertEqual(response.status_code, 200)
        self.assertIn("geometry", response.context["adminform"].form.errors)
