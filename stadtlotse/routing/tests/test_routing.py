import json
from io import StringIO

from django.core.management import CommandError, call_command

from stadtlotse.catalog.models import Area, RoutingRule
from stadtlotse.testing.cases import ALEXANDERPLATZ, HAMBURG, HERMANNPLATZ, SPANDAU_ALTSTADT, StadtlotseTestCase, category
from stadtlotse.routing import areas
from stadtlotse.routing.departments import choose_department


class AreaLookupTests(StadtlotseTestCase):
    def test_known_places_fall_in_their_districts(self):
        for place, district in [
            (HERMANNPLATZ, "Neukölln"),
            (ALEXANDERPLATZ, "Mitte"),
            (SPANDAU_ALTSTADT, "Spandau"),
            ((52.5040, 13.3320), "Charlottenburg-Wilmersdorf"),  # Kurfürstendamm
            ((52.4340, 13.5570), "Treptow-Köpenick"),            # Köpenick Altstadt
        ]:
            self.assertEqual(areas.find_area(*place).name, district, place)

    def test_outside_every_district(self):
        self.assertIsNone(areas.find_area(*HAMBURG))

    def test_index_follows_changes_to_the_districts(self):
        mitte = Area.objects.get(name="Mitte")
        self.assertEqual(areas.find_area(*ALEXANDERPLATZ), mitte)
        Area.objects.filter(pk=mitte.pk).update(
            geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
        )
        areas.bump_version()
        self.assertIsNone(areas.find_area(*ALEXANDERPLATZ))


class DepartmentChoiceTests(StadtlotseTestCase):
    def test_category_rule_beats_district_rule(self):
        neukoelln = Area.objects.get(name="Neukölln")
        self.assertEqual(choose_department(category("abfall-sperrmuell"), neukoelln), self.waste)
        self.assertEqual(choose_department(category("abfall-ablagerung"), neukoelln).slug, "ordnungsamt-neukoelln")

    def test_rule_for_a_parent_category_applies_to_its_children(self):
        self.assertEqual(choose_department(category("strasse-gehweg"), None), self.streets)

    def test_own_category_beats_parent_category(self):
        RoutingRule.objects.create(category=category("strasse-radweg"), department=self.lighting)
        self.assertEqual(choose_department(category("strasse-radweg"), None), self.lighting)
        self.assertEqual(choose_department(category("strasse-gehweg"), None), self.streets)

    def test_district_specific_rule_beats_city_wide_rule_of_the_same_category(self):
        spandau = Area.objects.get(name="Spandau")
        RoutingRule.objects.create(category=category("abfall-sperrmuell"), area=spandau, department=self.streets)
        self.assertEqual(choose_department(category("abfall-sperrmuell"), spandau), self.streets)
        self.assertEqual(choose_department(category("abfall-sperrmuell"), Area.objects.get(name="Mitte")), self.waste)

    def test_inactive_department_is_skipped(self):
        self.waste.is_active = False
        self.waste.save()
        neukoelln = Area.objects.get(name="Neukölln")
        self.assertEqual(choose_department(category("abfall-sperrmuell"), neukoelln).slug, "ordnungsamt-neukoelln")

    def test_no_rule_no_department(self):
        self.assertIsNone(choose_department(category("sonstiges"), None))


class ImportAreasCommandTests(StadtlotseTestCase):
    def write(self, content):
        import tempfile

        handle = tempfile.NamedTemporaryFile("w", suffix=".geojson", delete=False, encoding="utf-8")
        handle.write(content if isinstance(content, str) else json.dumps(content))
        handle.close()
        self.addCleanup(__import__("os").unlink, handle.name)
        return handle.name

    def square(self, name, x=10.0):
        return {"type": "Feature", "properties": {"name": name, "nr": "07"},
                "geometry": {"type": "Polygon", "coordinates": [[[x, 50], [x + 1, 50], [x + 1, 51], [x, 51], [x, 50]]]}}

    def test_imports_with_progress_and_updates_on_second_run(self):
        path = self.write({"type": "FeatureCollection", "features": [self.square("Nordstadt"), self.square("Südstadt", 11)]})
        out = StringIO()
        call_command("import_areas", path, "--code-property", "nr", stdout=out)
        self.assertIn("[  1/2] Nordstadt", out.getvalue())
        self.assertIn("2 districts created, 0 updated.", out.getvalue())
        self.assertEqual(Area.objects.get(slug="suedstadt").code, "07")
        self.assertEqual(areas.find_area(50.5, 11.5).name, "Südstadt")
        out = StringIO()
        call_command("import_areas", path, stdout=out)
        self.assertIn("0 districts created, 2 updated.", out.getvalue())

    def test_bad_files_import_nothing(self):
        before = Area.objects.count()
        bowtie = self.square("Schleife")
        bowtie["geometry"]["coordinates"] = [[[10, 50], [11, 51], [11, 50], [10, 51], [10, 50]]]
        cases = [
            ("{not json", "not valid GeoJSON"),
            ({"type": "Feature"}, "FeatureCollection"),
            ({"type": "FeatureCollection", "features": [self.square("Gut"), {"type": "Feature", "properties": {},
              "geometry": self.square("x")["geometry"]}]}, "property 'name' is missing"),
            ({"type": "FeatureCollection", "features": [bowtie]}, "not a valid polygon"),
            ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Punkt"},
              "geometry": {"type": "Point", "coordinates": [10, 50]}}]}, "Polygon or MultiPolygon"),
        ]
        for content, message in cases:
            with self.subTest(message), self.assertRaisesMessage(CommandError, message):
                call_command("import_areas", self.write(content), stdout=StringIO())
        with self.assertRaisesMessage(CommandError, "file not found"):
            call_command("import_areas", "/nonexistent.geojson", stdout=StringIO())
        self.assertEqual(Area.objects.count(), before)
        self.assertFalse(Area.objects.filter(name="Gut").exists())
