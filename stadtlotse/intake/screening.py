"""Screening of a report's description on intake: spam, personal data and personal accusations.

    screen("Der Nachbar aus Nr. 5 klaut Fahrräder", sources=["ip:192.0.2.1"])
    → [Flag(kind="accusation", reason="accusation", match="Nachbar … klaut")]

Each hit is a Flag with a kind (spam, personal_data, accusation), a reason code and the words that
caused it. Contact data is also found when written to slip past a pattern ("name＠example.org",
"0l70 l234567", "null eins sieben …", "Mein Name ist …"; see `contact_view`). `intake.submit()` stores the flags on the ticket; a flagged report is never published
automatically but waits for the desk in the moderation queue. Screening only flags: it never
refuses a report, because a false hit must not cost a resident their report.

The word lists are data (`data/screening/*.txt`, see the README there), read once per process.
`bench/screening.py` measures precision and recall on a labelled set of German reports.
"""

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import cache as memoize
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

DATA_DIR = Path(__file__).parent / "data" / "screening"

SPAM = "spam"
PERSONAL_DATA = "personal_data"
ACCUSATION = "accusation"
KINDS = {SPAM: _("spam or nonsense"), PERSONAL_DATA: _("personal data"), ACCUSATION: _("personal accusation")}

REASONS = {
    "repeated_characters": _("the same character many times in a row"),
    "repeated_words": _("the same word many times in a row"),
    "gibberish": _("letters without words"),
    "link": _("a link"),
    "spam_phrase": _("a known spam phrase"),
    "too_short": _("hardly any text"),
    "too_long": _("a very long text"),
    "repeated_text": _("the same text sent again from the same source"),
    "email": _("an e-mail address"),
    "phone": _("a phone number"),
    "licence_plate": _("a licence plate"),
    "iban": _("a bank account number (IBAN)"),
    "own_name": _("a name the reporter gives as their own"),
    "own_address": _("an address the reporter gives as their home"),
    "accusation": _("a person named or described together with an accusing word"),
}

# Longer than this is unusual for a report (the form allows 5,000 characters): often pasted mail or spam.
LONG_CHARS = 2500
MAX_MATCH_CHARS = 80


@dataclass(frozen=True)
class Flag:
    kind: str
    reason: str
    match: str = ""

    def as_dict(self):
        return asdict(self)


def describe(flag):
    """A flag (dict as stored on the ticket) in words for the desk: "personal data: a phone number (0171 …)"."""
    kind = KINDS.get(flag.get("kind"), flag.get("kind", ""))
    reason = REASONS.get(flag.get("reason"), flag.get("reason", ""))
    return f"{kind}: {reason}"


# --- word lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WordList:
    words: frozenset
    prefixes: tuple
    phrases: tuple

    def matches(self, word):
        return word in self.words or word.startswith(self.prefixes)

    def find_phrase(self, normalised_text):
        for phrase in self.phrases:
            if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", normalised_text):
                return phrase
        return None


@memoize
def word_list(name):
    """A list from data/screening/<name>.txt: whole words, prefixes (ending in *) and phrases."""
    words, prefixes, phrases = set(), [], []
    for line in (DATA_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        entry = normalise(line.split("#", 1)[0].strip())
        if not entry:
            continue
        if " " in entry:
            phrases.append(entry)
        elif entry.endswith("*"):
            prefixes.append(entry[:-1])
        else:
            words.add(entry)
    return WordList(frozenset(words), tuple(prefixes), tuple(phrases))


def normalise(text):
    return unicodedata.normalize("NFC", text).casefold()


# --- spam and nonsense ---------------------------------------------------------------------------

# Six times the same letter (or pair, or triple: "hahahahahaha"), eight times "?" or "!"; rules of
# dashes, dots, stars only from twelve on. Digits repeat in numbers (IBAN, "1000000").
REPEATED_CHARACTER = re.compile(r"([^\W\d_])\1{5,}|([^\w\s.\-=*])\2{7,}|([.\-_=*])\3{11,}|(\w{2,3})\4{5,}")
REPEATED_WORD = re.compile(r"(?<!\w)(\w{2,})(?:[\s,;.!]+\1(?!\w)){3,}", re.IGNORECASE)
LINK = re.compile(r"https?://\S+|(?<![\w@.])www\.[\w-]+\.\S+|\[url|<a\s+href", re.IGNORECASE)
KEYBOARD_RUNS = ("asdf", "sdfg", "dfgh", "fghj", "ghjk", "hjkl", "qwert", "wertz", "ertzu", "yxcv", "xcvb", "cvbn")
WORD = re.compile(r"[^\W\d_]+")
VOWELS = set("aeiouyäöüéèáàóòúùâêîôû")


def spam_flags(text):
    flags = []
    lowered = normalise(text)
    match = REPEATED_CHARACTER.search(text)
    if match:
        flags.append(Flag(SPAM, "repeated_characters", match.group(0)))
    match = REPEATED_WORD.search(text)
    if match:
        flags.append(Flag(SPAM, "repeated_words", match.group(0)))
    match = LINK.search(text)
    if match:
        flags.append(Flag(SPAM, "link", match.group(0)))
    phrase = word_list("spam_phrases").find_phrase(lowered)
    if phrase is None:
        words = WORD.findall(lowered)
        phrase = next((w for w in words if w in word_list("spam_phrases").words), None)
    if phrase:
        flags.append(Flag(SPAM, "spam_phrase", phrase))
    words = WORD.findall(text)
    if not any(len(word) >= 3 for word in words):
        flags.append(Flag(SPAM, "too_short", text[:20]))
    else:
        nonsense = [w for w in words if _looks_like_gibberish(w)]
        # One odd word may be an abbreviation; several, or most of a short text, are nonsense.
        if nonsense and (len(nonsense) >= 2 or len(nonsense) * 2 >= len(words)):
            flags.append(Flag(SPAM, "gibberish", " ".join(nonsense[:3])))
    if len(text) > LONG_CHARS:
        flags.append(Flag(SPAM, "too_long", f"{len(text)}"))
    return flags


def _looks_like_gibberish(word):
    lowered = word.casefold()
    if any(run in lowered for run in KEYBOARD_RUNS):
        return True
    # Long words without a vowel; capitals are abbreviations (LKW, BSR), not nonsense.
    return len(word) >= 5 and not word.isupper() and not (set(lowered) & VOWELS)


def _fingerprint(text):
    squeezed = " ".join(WORD.findall(normalise(text)))
    return hashlib.sha256(squeezed.encode()).hexdigest()[:32]


def repeated_text_flag(text, sources):
    """The same text from the same source (IP, e-mail address) within STADTLOTSE_SCREEN_REPEAT_HOURS.

    Remembered in the shared cache by hashes only: neither the text nor the source is kept.
    """
    seconds = settings.STADTLOTSE["SCREEN_REPEAT_HOURS"] * 3600
    if seconds <= 0:
        return None
    fingerprint = _fingerprint(text)
    repeated = False
    for source in sources:
        digest = hashlib.sha256(str(source).encode()).hexdigest()[:32]
        # add() is atomic: it fails when the key is already there, i.e. the text was seen.
        if not cache.add(f"screen:text:{digest}:{fingerprint}", 1, timeout=seconds):
            repeated = True
    return Flag(SPAM, "repeated_text") if repeated else None


# --- personal data -------------------------------------------------------------------------------

EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}(?:@|\s*[(\[]\s*(?:at|ät)\s*[)\]]\s*)[\w-]+(?:\.[\w-]+)*\s*(?:\.|[(\[]\s*dot\s*[)\]])\s*[a-z]{2,}",
    re.IGNORECASE,
)
PHONE = re.compile(
    r"(?<![\w+.,:])(?:(?:\+|00)\d{2}[\s\-/]?(?:\(0\)\s?)?|0)\(?\d{2,5}\)?(?:[\s\-/]?\d){4,12}(?![\d.,:]\d)"
)
# German plate: district code, one or two letters, one to four digits, optional E (electric) or H (historic).
PLATE = re.compile(r"(?<![\w-])([A-ZÄÖÜ]{1,3})[- ]([A-Z]{1,2})[- ]?([1-9]\d{0,3})[EH]?(?![\w-])")
PLATE_AFTER_WORD = re.compile(
    r"kennzeichen\W{0,5}(?:lautet\s+|ist\s+)?([a-zäöü]{1,3}[- :]+[a-z]{1,2}[- ]?[1-9]\d{0,3}[eh]?)(?![\w-])",
    re.IGNORECASE,
)
NOT_PLATE_CODES = {"DIN", "LKW", "PKW", "KFZ", "BVG", "BSR", "TEL", "NR", "PLZ", "ICE", "UKW", "STVO", "BAB", "EG",
                   "OG", "UG", "DG", "VG", "WC", "TV"}
IBAN = re.compile(r"(?<![A-Z0-9])([A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30})(?![A-Z0-9])", re.IGNORECASE)


def personal_data_flags(text):
    flags = []
    # E-mail addresses, phone numbers and the reporter's own name and address are looked for in the
    # contact view, where "0l70 l234567", "null eins sieben" and "name＠example.org" read as meant.
    view = contact_view(text)
    match = EMAIL.search(view) or SPELLED_EMAIL.search(view)
    if match:
        flags.append(Flag(PERSONAL_DATA, "email", match.group(0)))
    for match in PHONE.finditer(view):
        if 8 <= sum(ch.isdigit() for ch in match.group(0)) <= 15:
            flags.append(Flag(PERSONAL_DATA, "phone", match.group(0)))
            break
    else:
        match = OWN_NUMBER.search(view)
        if match and 6 <= sum(ch.isdigit() for ch in match.group(1)) <= 15:
            flags.append(Flag(PERSONAL_DATA, "phone", match.group(0)))
    plate = next((m.group(0) for m in PLATE.finditer(text) if m.group(1) not in NOT_PLATE_CODES), None)
    if plate is None:
        match = PLATE_AFTER_WORD.search(text)
        plate = match.group(1) if match else None
    if plate:
        flags.append(Flag(PERSONAL_DATA, "licence_plate", plate))
    for match in IBAN.finditer(text):
        if is_iban(match.group(1)):
            flags.append(Flag(PERSONAL_DATA, "iban", match.group(1)))
            break
    flags += self_identification_flags(view)
    return flags


# --- personal data written so that a pattern misses it ---------------------------------------------

DIGIT_WORDS = {
    "null": "0", "zero": "0", "eins": "1", "one": "1", "zwei": "2", "zwo": "2", "two": "2", "drei": "3",
    "three": "3", "vier": "4", "four": "4", "fünf": "5", "fuenf": "5", "five": "5", "sechs": "6", "six": "6",
    "sieben": "7", "seven": "7", "acht": "8", "eight": "8", "neun": "9", "nine": "9",
}
_DIGIT_WORD = "|".join(sorted(DIGIT_WORDS, key=len, reverse=True))
# Four or more digit words in a row ("null eins sieben null, eins zwei …"); fewer are ordinary
# counting ("eins, zwei, drei Einkaufswagen"). "plus" before them is the international prefix.
SPELLED_DIGITS = re.compile(rf"(?i)(?<!\w)(plus\s+)?(?:{_DIGIT_WORD})(?:[\s,;/-]+(?:{_DIGIT_WORD})(?!\w)){{3,}}")
# Fewer digit words count where they continue a number: "0176 fünf fünf fünf 1234".
DIGIT_WORD_RUN = re.compile(rf"(?i)(?<!\w)(?:{_DIGIT_WORD})(?:[\s,;/-]+(?:{_DIGIT_WORD}))*(?!\w)")
NEXT_TO_DIGIT_BEFORE = re.compile(r"\d[\s,;/-]+$")
NEXT_TO_DIGIT_AFTER = re.compile(r"[\s,;/-]+\d")
# After "meine Nummer ist" even a number without area code is the reporter's ("555 12 34").
OWN_NUMBER = re.compile(
    r"(?i:\b(?:meine|my)\s+(?:(?:handy|telefon|mobil|ruf|tel\.?-?)?nummer|number|tel\.?|telefon|handy)(?:\s+(?:ist|lautet|is))?\s*:?\s*(?:die\s+)?)"
    r"(\+?\d[\d\s/().-]{4,24}\d)"
)
# A word of digits with letters that look like digits: "0l70", "4O19", "O176" (two real digits at least).
LOOKALIKE_NUMBER = re.compile(r"(?<!\w)[0-9lIOo]{3,20}(?!\w)")
LOOKALIKES = str.maketrans("lIOo", "1100")
# Digits one by one: "0 1 7 0 - 1 2 3 4 5 6 7", "0-1-7-2-…" (six at least; dates and counts are shorter).
SPACED_DIGITS = re.compile(r"(?<![\d.,])\d(?:\s?[\s.\-/]\s?\d(?!\d)){5,16}")
# Groups joined by dots, beginning with an area code: "0170.555.12.34" (a date starts "03.", not "030.").
DOTTED_NUMBER = re.compile(r"(?<![\d.])0\d{2,5}(?:\.\d{2,5}){1,4}(?![.,]?\d)")
SPACED_SEPARATOR = re.compile(r"(?<=\d)\s+([/-])\s+(?=\d)")

_DOT = r"(?:\s*(?:\.|[(\[{<]\s*(?:dot|punkt)\s*[)\]}>])\s*|\s+(?:dot|punkt)\s+)"
_TIGHT_DOT = r"(?:\.|\s*[(\[{<]\s*(?:dot|punkt)\s*[)\]}>]\s*|\s+(?:dot|punkt)\s+)"
# Bounded, and starting only where a word starts: a long run of "a.a.a." must not take quadratic time.
_PART = r"[\w+-]{1,64}"
# Domains people give in words ("web punkt de"): a known ending, so that "bei der Ecke. De…" is no address.
_TLD = r"(?:de|com|net|org|eu|info|at|ch|nl|fr|it|uk|io|me|berlin|email|online|biz|co)"
# "name @ example . org", "name (at) example (dot) org", "name[ät]example.org".
EMAIL_SPACED = rf"(?<![\w.+-]){_PART}(?:{_DOT}{_PART}){{0,4}}\s*(?:@|[(\[{{<]\s*(?:at|ät|@)\s*[)\]}}>])\s*{_PART}(?:{_DOT}{_PART}){{0,4}}{_DOT}[^\W\d_]{{2,24}}(?!\w)"
# "jana punkt weber bei example punkt org", "name at gmx dot de".
EMAIL_WORDED = rf"(?<![\w.+-]){_PART}(?:{_DOT}{_PART}){{0,4}}\s+(?:at|ät|bei)\s+{_PART}(?:{_TIGHT_DOT}{_PART}){{0,4}}{_TIGHT_DOT}{_TLD}(?!\w)"
SPELLED_EMAIL = re.compile(rf"{EMAIL_SPACED}|{EMAIL_WORDED}", re.IGNORECASE)


def contact_view(text):
    """The text as a reader would take its numbers and addresses: Unicode folded (NFKC: "＠" is "@",
    "０１７６" is "0176"), spelled digits as digits, look-alike letters in numbers as digits, digits
    written one by one or in dotted groups run together. Only for finding contact data."""
    view = unicodedata.normalize("NFKC", text)
    view = SPELLED_DIGITS.sub(_digits_of_words, view)
    view = DIGIT_WORD_RUN.sub(_digits_next_to_numbers, view)
    view = LOOKALIKE_NUMBER.sub(_digits_of_lookalikes, view)
    view = SPACED_SEPARATOR.sub(r"\1", view)
    view = SPACED_DIGITS.sub(lambda m: re.sub(r"\D", "", m.group(0)), view)
    return DOTTED_NUMBER.sub(lambda m: m.group(0).replace(".", ""), view)


def _digits_of_lookalikes(match):
    word = match.group(0)
    return word.translate(LOOKALIKES) if sum(ch.isdigit() for ch in word) >= 2 else word


def _digits_next_to_numbers(match):
    before, after = match.string[max(0, match.start() - 4):match.start()], match.string[match.end():match.end() + 4]
    if NEXT_TO_DIGIT_BEFORE.search(before) or NEXT_TO_DIGIT_AFTER.match(after):
        return "".join(DIGIT_WORDS[w.casefold()] for w in re.findall(rf"(?i){_DIGIT_WORD}", match.group(0)))
    return match.group(0)


def _digits_of_words(match):
    words = re.findall(rf"(?i){_DIGIT_WORD}", match.group(0)[len(match.group(1) or ""):])
    return ("+" if match.group(1) else "") + "".join(DIGIT_WORDS[w.casefold()] for w in words)


_CAPITALISED = r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
_TITLES = r"(?:(?i:herr|frau|dr\.?|prof\.?)\s+)*"
# "Mein Name ist Paul", "ich heiße Andrea Lang": a capitalised word after these is a name.
NAME_INTRO = re.compile(rf"(?<!\w)(?i:mein\s+name\s+(?:ist|lautet)|ich\s+hei(?:ß|ss)e|my\s+name\s+is)\s*:?\s+{_TITLES}({_CAPITALISED})")
# "ich bin Katrin Vogel", "I am Maria": only with a known first name ("ich bin Anwohnerin" is none).
FIRST_NAME_INTRO = re.compile(rf"(?<!\w)(?i:ich\s+bin|i\s+am|i'm)\s+({_CAPITALISED})")
# A greeting at the end followed by a full name ("Mit freundlichen Grüßen Antje Willner") or "Frau Geyer".
SIGNATURE = re.compile(
    rf"(?<!\w)(?i:gr(?:u|ü|ue)(?:ß|ss)(?:en?)?|mfg|lg|vg|regards)\s*,?\s+"
    rf"(?:((?i:herr|frau)\s+{_CAPITALISED})|({_CAPITALISED})\s+({_CAPITALISED}))"
)
NOT_NAMES = {"hase", "nicht", "egal"}
# "ich wohne in der Lindenstraße 45", "wohnhaft Dorfstraße 3a", "meine Adresse: Kiefholzstraße 220":
# a capitalised word and a house number soon after, within the sentence. "Vor der Hauptstraße 12
# liegt Sperrmüll" names the problem's place, not the reporter's home, and is not matched.
OWN_ADDRESS = re.compile(
    r"(?<!\w)(?i:wohne|wohnhaft|i\s+live|meine\s+(?:adresse|anschrift|wohnung))"
    r"(?:(?![.!?]\s+[A-ZÄÖÜ])[^!?\n]){0,30}?"
    r"(?<!\w)([A-ZÄÖÜ][\w.-]*\.?\s*\d{1,4}(?:\s?[a-zA-Z](?![a-zA-Z]))?)(?![\w,.]?\d)"
    r"(?!\s*(?i:jahre|uhr|meter|m\b|minuten|tage|wochen|monate|etage|stock))"
)


def self_identification_flags(text):
    """The reporter naming themselves or giving their home address (publishing would identify them)."""
    first_names = word_list("first_names")
    flags = []
    name = next((m.group(0) for m in NAME_INTRO.finditer(text) if normalise(m.group(1)) not in NOT_NAMES), None)
    if name is None:
        name = next((m.group(0) for m in FIRST_NAME_INTRO.finditer(text) if first_names.matches(normalise(m.group(1)))), None)
    if name is None:
        name = next((m.group(0) for m in SIGNATURE.finditer(text)
                     if m.group(1) or first_names.matches(normalise(m.group(2)))), None)
    if name:
        flags.append(Flag(PERSONAL_DATA, "own_name", name))
    match = OWN_ADDRESS.search(text)
    if match:
        flags.append(Flag(PERSONAL_DATA, "own_address", match.group(0)))
    return flags


def is_iban(text):
    """ISO 13616 check digits (mod 97), so that an order number does not read as an account."""
    compact = re.sub(r"\s", "", text).upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


# --- personal accusations ------------------------------------------------------------------------

TOKEN = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*\.?|\d+")
# A sentence ends at ! ? a line break, or a full stop after a lowercase word (not "Nr." "Str." "Dr.").
SENTENCE_END = re.compile(r"[!?]+\s*|\n+|(?<=[a-zäöüß]{3})\.\s+")
# Words that refer back to a person named earlier in the report.
PRONOUNS = {"er", "ihm", "ihn", "dieser", "derjenige", "diejenige", "seine", "sein", "seinem", "seinen", "seiner"}
# "der Mann aus Nummer 5", "die Frau vom Kiosk": a person pinned down by where they live or work.
POINTED_PERSON = re.compile(
    r"\b(?:der|die|dem|den|diese[rmn]?|ein|eine[mnr]?)\s+(?:(?:junge|ältere|alte)[nr]?\s+)?"
    r"(?:mann|frau|typ|kerl|person|junge|jugendliche|dame|herr)\s+"
    r"(?:aus|von|vom|im|in\s+(?:der|dem)|mit\s+(?:dem|der)|der\s+(?:im|in|aus)|die\s+(?:im|in|aus))\s",
    re.IGNORECASE,
)


def _person_in(tokens, raw_tokens):
    """The words that name or describe a person in a sentence, or ""."""
    people = word_list("person_words")
    titles = word_list("person_titles")
    first_names = word_list("first_names")
    not_surnames = word_list("not_surnames")
    for i, word in enumerate(tokens):
        bare = word.rstrip(".")
        following = raw_tokens[i + 1] if i + 1 < len(raw_tokens) else ""
        # "ich als Mieter": the reporter speaking of themselves.
        if (people.matches(bare) or people.matches(word)) and (i == 0 or tokens[i - 1] not in ("als", "ich")):
            return raw_tokens[i]
        if (titles.matches(word) or titles.matches(bare)) and _is_surname(following, not_surnames, titles):
            return f"{raw_tokens[i]} {following}"
        if (raw_tokens[i][:1].isupper() and first_names.matches(bare) and not word.endswith(".")
                and _is_surname(following, not_surnames, titles)):
            return f"{raw_tokens[i]} {following}"
    return ""


def _is_surname(token, not_surnames, titles):
    """A capitalised word (or an initial like "M.") that is no street, place or title."""
    if not token or not token[:1].isupper():
        return False
    lowered = normalise(token)
    if len(token) == 2 and token.endswith("."):  # "Herr M."
        return True
    bare = lowered.rstrip(".")
    return len(bare) >= 2 and not not_surnames.matches(bare) and not titles.matches(bare) and \
        not any(bare.endswith(end) for end in ("straße", "str", "platz", "park", "weg", "allee", "damm"))


def accusation_flags(text):
    accusing = word_list("accusing_words")
    person_seen = ""
    for sentence in SENTENCE_END.split(text):
        raw_tokens = TOKEN.findall(sentence)
        tokens = [normalise(t) for t in raw_tokens]
        person = _person_in(tokens, raw_tokens)
        if not person:
            match = POINTED_PERSON.search(sentence)
            person = match.group(0).strip() if match else ""
        normalised_sentence = normalise(sentence)
        word = next((raw_tokens[i] for i, t in enumerate(tokens) if accusing.matches(t.rstrip("."))), None)
        if word is None:
            word = accusing.find_phrase(normalised_sentence)
        if word and (person or (person_seen and any(t in PRONOUNS for t in tokens))):
            return [Flag(ACCUSATION, "accusation", f"{person or person_seen} … {word}")]
        person_seen = person or person_seen
    return []


# --- all together --------------------------------------------------------------------------------


def screen(text, *, sources=(), address: str = "") -> list[Flag]:
    """The flags for a report's description. `sources` ("ip:…", "email:…") catch repeated texts.

    `address`, the place as typed: published too (ticket page, Open311), so it is looked at for
    personal data as well ("Hermannplatz 5, Tel. 0176 …").
    Records the text's fingerprint per source in the cache, so call it once per report.
    """
    flags = spam_flags(text) + personal_data_flags(text) + accusation_flags(text)
    if address:
        flags += personal_data_flags(address)
    if sources:
        repeated = repeated_text_flag(text, sources)
        if repeated:
            flags.append(repeated)
    return [Flag(f.kind, f.reason, f.match[:MAX_MATCH_CHARS]) for f in flags]


def kinds(flags):
    """The set of kinds among flags (Flag objects or stored dicts)."""
    return {f.kind if isinstance(f, Flag) else f.get("kind") for f in flags}


# --- measuring -----------------------------------------------------------------------------------


def measure(rows):
    """Confusion figures of screen() on labelled rows ({"text", "labels"}), per kind and for clean texts.

    Per kind: tp (labelled and flagged with that kind), fn, fp (flagged with it but not labelled),
    recall and precision. "clean": how many texts without labels got any flag.
    """
    figures = {kind: {"tp": 0, "fn": 0, "fp": 0} for kind in KINDS}
    clean = {"texts": 0, "flagged": 0}
    misses = []
    for row in rows:
        labels = set(row["labels"])
        found = kinds(screen(row["text"]))
        for kind, counts in figures.items():
            if kind in labels and kind in found:
                counts["tp"] += 1
            elif kind in labels:
                counts["fn"] += 1
                misses.append((kind, row["text"]))
            elif kind in found:
                counts["fp"] += 1
        if not labels:
            clean["texts"] += 1
            if found:
                clean["flagged"] += 1
                misses.append(("clean", row["text"]))
    for counts in figures.values():
        counts["recall"] = counts["tp"] / ((counts["tp"] + counts["fn"]) or 1)
        counts["precision"] = counts["tp"] / ((counts["tp"] + counts["fp"]) or 1)
    clean["rate"] = clean["flagged"] / (clean["texts"] or 1)
    return {"kinds": figures, "clean": clean, "misses": misses, "texts": len(rows)}
