"""The back-office timeline's sentences (the words belong to backoffice.timeline)."""

from django import template

from stadtlotse.backoffice import timeline
from stadtlotse.tickets.models import Event

register = template.Library()


@register.simple_tag(takes_context=True)
def event_sentence(context: template.Context, event: Event) -> str:
    # One Names per rendering: a long history reads each department or category once.
    names = context.render_context.get("timeline_names")
    if not isinstance(names, timeline.Names):
        names = context.render_context["timeline_names"] = timeline.Names()
    return timeline.sentence(event, names)
