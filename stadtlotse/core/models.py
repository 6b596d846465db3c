from django.db import models
from django.utils import timezone


class IdempotentResponse(models.Model):
    """The answer to a request that carried an Idempotency-Key, kept so a retry gets it again.

    Written in the same transaction as what the request created: either both exist or neither.
    """

    scope = models.CharField(max_length=100)  # who sent it: "key:<api key id>" or "ip:<address>"
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the request body: the same key with other content is refused
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    location = models.CharField(max_length=500, blank=True)  # a redirect's target (the web form answers with one)
    body = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotent_scope_key")]
