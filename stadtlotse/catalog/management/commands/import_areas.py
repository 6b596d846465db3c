from django.core.management.base import BaseCommand, CommandError, no_translations

from stadtlotse.catalog import loading


class Command(BaseCommand):
    help = "Import districts from a GeoJSON FeatureCollection (WGS84). Existing districts are updated by name."

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON file with one Polygon/MultiPolygon feature per district")
        parser.add_argument("--name-property", default="name", help="feature property holding the name")
        parser.add_argument("--code-property", default=None, help="feature property holding an official code")

    @no_translations  # command output is English throughout; the same messages are German in the admin
    def handle(self, *args, file, name_property, code_property, **options):
        def progress(number, total, name):
            self.stdout.write(f"[{number:>3}/{total}] {name}")

        try:
            features = loading.read_features(file)
            created, updated = loading.import_areas(
                features, name_property=name_property, code_property=code_property, progress=progress
            )
        except loading.CatalogDataError as exc:
            raise CommandError(f"Nothing imported: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"{created} districts created, {updated} updated."))
