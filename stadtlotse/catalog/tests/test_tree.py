"""Category and district trees: the subtree (a node and everything below it) computed in one place."""

from django.core.exceptions import ValidationError

from stadtlotse.catalog.models import Area, Category
from stadtlotse.testing.cases import HERMANNPLATZ, StadtlotseTestCase, category, report
from stadtlotse.tickets.models import Ticket


class CategoryTreeTests(StadtlotseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.group = category("abfall")
        cls.bulky = category("abfall-sperrmuell")
        cls.sofa = Category.objects.create(parent=cls.bulky, service_code="abfall-sperrmuell-sofa", name="Sofa")

    def test_a_group_holds_its_categories_and_their_subcategories(self):
        ids = set(Category.objects.subtree_ids(self.group))
        self.assertEqual(ids, {self.group.pk, *self.group.children.values_list("pk", flat=True), self.sofa.pk})
        self.assertNotIn(category("sonstiges").pk, ids)
        self.assertEqual(Category.objects.subtree_ids(self.sofa), [self.sofa.pk])

    def test_the_subtree_filters_tickets_in_one_query(self):
        ticket = report("abfall-sperrmuell-sofa", HERMANNPLATZ)  # three levels down
        other = report("sonstiges", HERMANNPLATZ)
        with self.assertNumQueries(1):
            found = list(Ticket.objects.filter(category__in=Category.objects.subtree(self.group)))
        self.assertIn(ticket, found)
        self.assertNotIn(other, found)

    def test_a_subcategory_under_an_inactive_group_cannot_be_reported(self):
        self.assertIn(self.sofa, Category.objects.reportable())
        self.assertNotIn(self.bulky, Category.objects.reportable())  # it has an active child now
        Category.objects.filter(pk=self.group.pk).update(is_active=False)
        self.assertNotIn(self.sofa, Category.objects.reportable())

    def test_no_fourth_level(self):
        deeper = Category(parent=self.sofa, service_code="abfall-sperrmuell-sofa-rot", name="Rotes Sofa")
        with self.assertRaisesMessage(ValidationError, "Kategorien haben höchstens 3 Ebenen"):
            deeper.full_clean()
        Category(parent=self.bulky, service_code="abfall-sperrmuell-matratze", name="Matratze").full_clean()


class AreaTreeTests(StadtlotseTestCase):
    def test_districts_nest_deeper_than_categories(self):
        neukoelln = Area.objects.get(slug="neukoelln")
        square = {"type": "Polygon", "coordinates": [[[13.42, 52.48], [13.43, 52.48], [13.43, 52.49], [13.42, 52.48]]]}
        chain, parent = [], neukoelln
        for level in range(4):
            parent = Area.objects.create(name=f"Teil {level}", slug=f"teil-{level}", parent=parent, geometry=square)
            chain.append(parent.pk)
        self.assertEqual(set(Area.objects.subtree_ids(neukoelln)), {neukoelln.pk, *chain})
        self.assertEqual(Area.objects.subtree_ids(Area.objects.get(slug="teil-3")), [chain[-1]])
