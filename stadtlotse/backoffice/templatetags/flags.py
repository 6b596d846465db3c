"""The screening flags stored on a ticket, in words for the desk (the words belong to intake's screening)."""

from django import template

from stadtlotse.intake.screening import KINDS, describe

register = template.Library()


@register.filter
def flag_descriptions(ticket):
    """[(description, matched text), …]: "personal data: a phone number", "0171 …"."""
    return [(describe(flag), flag.get("match", "")) for flag in ticket.flags]


@register.filter
def flag_kinds(ticket):
    """The kinds of the flags ("personal data", "spam or nonsense"), each once."""
    kinds = dict.fromkeys(flag.get("kind") for flag in ticket.flags)
    return [str(KINDS.get(kind, kind)) for kind in kinds]
