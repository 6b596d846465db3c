from django.db import models
from django.utils import timezone

# Upper bounds (hours) of the duration classes kept per day; the last class is open-ended.
DURATION_BINS = (0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720, 1080, 1440,
                 2160, 4320, None)


class Figure(models.Model):
    """Counts for the tickets received in one period, per category × district × department × channel.

    A materialised aggregate rebuilt by `aggregates.refresh()` (the `aggregate_figures` command): the
    dashboard reads these instead of a million tickets. Each figure is about the tickets received
    in the period, as they stand at `computed_at` (their current department and status).
    Durations are kept as counts per class of `DURATION_BINS`, so percentiles can be read back
    to the class they fall in.
    """

    day = models.DateField()
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey("catalog.Area", null=True, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("catalog.Department", null=True, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10)

    received = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    with_deadline = models.PositiveIntegerField(default=0)
    in_time = models.PositiveIntegerField(default=0)
    forwarded = models.PositiveIntegerField(default=0)
    reforwarded = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    direct = models.PositiveIntegerField(default=0)
    desk = models.PositiveIntegerField(default=0)
    # Plus one counter per duration class and kind (first_response_0 … resolution_25), added below:
    # plain columns, so the database sums them (a JSON list per row would be decoded row by row in Python).
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.day} {self.category_id}/{self.area_id}/{self.department_id}/{self.channel}: {self.received}"

    def bins(self, kind):
        return [getattr(self, name) for name in BIN_COLUMNS[kind]]

    def count_duration(self, kind, index, n=1):
        name = BIN_COLUMNS[kind][index]
        setattr(self, name, getattr(self, name) + n)


DURATION_KINDS = ("first_response", "acceptance", "resolution")
BIN_COLUMNS = {kind: [f"{kind}_{i}" for i in range(len(DURATION_BINS))] for kind in DURATION_KINDS}
ALL_BIN_COLUMNS = [name for names in BIN_COLUMNS.values() for name in names]
for _name in ALL_BIN_COLUMNS:
    Figure.add_to_class(_name, models.PositiveIntegerField(default=0))


class DailyFigure(Figure):
    """The figures of the tickets received on one local day."""

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="dailyfigure_day"),
            models.Index(fields=["department", "day"], name="dailyfigure_dept_day"),
            models.Index(fields=["computed_at"], name="dailyfigure_computed"),
        ]


class MonthlyFigure(Figure):
    """The sum of a month's DailyFigures (`day` is the first of the month): a year is 12 of them, not 365."""

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="monthlyfigure_day"),
            models.Index(fields=["department", "day"], name="monthlyfigure_dept_day"),
        ]
