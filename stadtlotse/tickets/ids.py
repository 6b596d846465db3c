"""The shape of a ticket id (`SL-2026-0042`: prefix, year of receipt, per-year number), defined once.

Every place that recognises an id builds on the same parts, in one of three forms:

    URL_PATTERN        strict, for `re_path` (named group `public_id`)
    EXACT              strict, for a whole form field (`RegexField`)
    SEARCH             strict, for a search box (spaces around it allowed)
    IN_TEXT            strict, for an id inside free text (a mail's subject or body)
    parse_typed(text)  lenient, for what residents type ("sl 2026 42"), normalised to the real id
"""

import re

PREFIX = r"[A-Za-z]{1,10}"
YEAR = r"\d{4}"
# Numbers are written with at least four digits (0042) and may grow to nine.
NUMBER = r"\d{4,9}"
NUMBER_DIGITS = 4
SHAPE = rf"{PREFIX}-{YEAR}-{NUMBER}"

URL_PATTERN = rf"(?P<public_id>{SHAPE})"
EXACT = rf"^{SHAPE}$"
IN_TEXT = re.compile(rf"\b({SHAPE})\b")
SEARCH = re.compile(rf"^\s*({SHAPE})\s*$")
# Residents drop the zeros and the dashes, or type spaces instead.
TYPED = re.compile(rf"^({PREFIX})[\s-]*({YEAR})[\s-]*(\d{{1,9}})$")


def format_id(prefix: str, year: int, number: int) -> str:
    """The ticket id for a prefix, year and per-year number, as intake hands it out."""
    return f"{prefix}-{year:04d}-{number:0{NUMBER_DIGITS}d}"


def parse_typed(text: str) -> str | None:
    """The id a resident meant ("sl 2026 42" → "SL-2026-0042"), or None if it is no ticket id."""
    match = TYPED.match(text.strip())
    if match is None:
        return None
    prefix, year, number = match.groups()
    return format_id(prefix.upper(), int(year), int(number))
