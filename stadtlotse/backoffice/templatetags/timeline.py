"""The back-office timeline's sentences (the words belong to backoffice.timeline)."""

from django import template

from stadtlotse.backoffice import timeline
from stadtlotse.tickets.models import Event

register = template.Library()


@register.filter
def event_sentence(event: Event) -> str:
    return timeline.sentence(event)
