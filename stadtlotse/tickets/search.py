"""Full-text search over tickets: one small interface, two implementations.

    search(tickets, "Laternen Hermannplatz")  -> the queryset narrowed to matching tickets
    reindex(ticket)                           -> bring the ticket's search document up to date
    reindex_all(tickets)                      -> rebuild many, in short batches (`stadtlotse reindex`)

The document of a ticket holds its id, description, public description, address, external id
and the text of every note and message on its timeline. `workflow.record()` calls `reindex()`
for every event that carries text or changes indexed fields, inside the same transaction, so
the index never lags behind the ticket. Closed tickets stay in the index (archive search).

PostgreSQL: a `tsvector` column with the `german` configuration (Snowball stemming) and a GIN
index, table `tickets_search`.

SQLite: an FTS5 virtual table `tickets_search` (unicode61 tokenizer, diacritics removed). FTS5
has no German stemmer, so documents and queries go through `stem()` below, a light suffix
stripper (in the spirit of CISTEM): "Laternen", "Laterne" and "Laternen­reparatur"'s first word
all become "latern". It is weaker than Snowball (no compound splitting, irregular plurals such as
"Bäume"/"Baum" meet only through prefix matching), which is documented in docs/search.md.

Every word of a query must match (AND); each word also matches as a prefix ("Sperr" finds
"Sperrmüll"). A query that is exactly a ticket id matches that ticket directly.
"""

import re
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from . import ids
from .models import Event, Ticket

TABLE = "tickets_search"
MAX_QUERY_WORDS = 10
MAX_DOCUMENT_CHARS = 100_000
MAX_NOTES = 500
WORD = re.compile(r"\w+", re.UNICODE)
TICKET_ID = ids.SEARCH

# Timeline entries whose text is worth finding; delivery and notification details are not.
TEXT_KINDS = {
    "created", "public_note", "internal_note", "message_to_reporter", "message_from_reporter",
    "status_changed", "forwarded", "reopened", "merged", "moderated", "external_update", "follow_up",
}

_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "è": "e", "á": "a", "à": "a"})


def stem(word: str) -> str:
    """A light German stem: lower case, umlauts folded, common inflection endings removed."""
    word = word.lower().translate(_FOLD)
    if word.isdigit() or len(word) <= 3:
        return word
    # Longest endings first; only while enough of the word remains to stay meaningful.
    for _ in range(2):
        if len(word) > 5 and word[-2:] in ("em", "er", "nd", "en", "es"):
            word = word[:-2]
        elif len(word) > 4 and word[-1] in "etsn":
            word = word[:-1]
        else:
            break
    return word


def _words(query: str | None) -> list[str]:
    return WORD.findall(query or "")[:MAX_QUERY_WORDS]


def document(ticket: Ticket, notes: list[str] | None = None) -> str:
    """The text the ticket is found by (plain text, for either backend); `notes` if already read."""
    parts = [ticket.public_id, ticket.description, ticket.public_description, ticket.address,
             ticket.external_system, ticket.external_id]
    if notes is None:
        events = ticket.events.filter(kind__in=TEXT_KINDS).exclude(note="").order_by("created_at", "id")
        notes = list(events.values_list("note", flat=True)[:MAX_NOTES])
    parts.extend(notes)
    return "\n".join(part for part in parts if part)[:MAX_DOCUMENT_CHARS]


def _write(documents: list[tuple[int, str]]) -> None:
    """Store (ticket id, document) pairs, replacing what was there."""
    # Split into words here, as queries are: PostgreSQL's parser would read "BSR-778812" as
    # "bsr" and the number "-778812", which a search for 778812 would not find.
    rows = [(pk, WORD.findall(text)) for pk, text in documents]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.executemany(
                f"INSERT INTO {TABLE} (ticket_id, document) VALUES (%s, to_tsvector('german', %s)) "
                "ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document",
                [(pk, " ".join(words)) for pk, words in rows],
            )
        else:
            cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [(pk,) for pk, _words in rows])
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, body) VALUES (%s, %s)",
                [(pk, " ".join(stem(word) for word in words)) for pk, words in rows],
            )


def reindex(ticket: Ticket) -> None:
    """Write the ticket's current search document (call inside the transaction that changed it)."""
    _write([(ticket.pk, document(ticket))])


def remove(ticket_id: int) -> None:
    """Drop a deleted ticket's document (the index table has no foreign key; orphans are never shown)."""
    with connection.cursor() as cursor:
        column = "ticket_id" if connection.vendor == "postgresql" else "rowid"
        cursor.execute(f"DELETE FROM {TABLE} WHERE {column} = %s", [ticket_id])


def search(tickets: QuerySet[Ticket], query: str | None) -> QuerySet[Ticket]:
    """`tickets` narrowed to those matching every word of `query`; an empty query matches nothing."""
    exact = TICKET_ID.match(query or "")
    words = _words(query)
    if not words:
        return tickets.none()
    if connection.vendor == "postgresql":
        # Each word as a prefix, stemmed by the german configuration: 'laternen:*' becomes 'latern:*'.
        tsquery = " & ".join(f"{word.lower()}:*" for word in words)
        matches = RawSQL(
            f"SELECT ticket_id FROM {TABLE} WHERE document @@ to_tsquery('german', %s)", [tsquery]
        )
    else:
        # Quoted, so no word can be read as an FTS5 operator (AND, NEAR, column filters).
        fts = " ".join(f'"{stem(word)}"*' for word in words)
        matches = RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [fts])
    condition = Q(pk__in=matches)
    if exact:
        condition |= Q(public_id__iexact=exact.group(1))
    return tickets.filter(condition)


def reindex_all(tickets: QuerySet[Ticket], *, batch: int = 500, after: int = 0,
                progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the documents of `tickets` with id above `after`, in id order; returns how many.

    Each batch of `batch` tickets is read and written in its own short transaction (on SQLite
    IMMEDIATE, so the write lock is taken at BEGIN and held for one batch only): the web and the
    worker keep writing meanwhile. No cursor stays open across the writes: on SQLite an open
    read is a snapshot, and writing from it after another process committed fails at once with
    "database is locked", whatever the busy timeout. Rewriting a document is idempotent, so an
    interrupted run is started again, or continued with `after` = the last id done.
    `progress(done_in_batch, last_id)` is called after each committed batch.
    """
    count, last = 0, after
    while True:
        with transaction.atomic():
            chunk = list(tickets.filter(pk__gt=last).order_by("pk")[:batch])
            if not chunk:
                break
            notes: dict[int, list[str]] = defaultdict(list)
            events = (
                Event.objects.filter(ticket__in=[t.pk for t in chunk], kind__in=TEXT_KINDS).exclude(note="")
                .order_by("ticket_id", "created_at", "id").values_list("ticket_id", "note")
            )
            for ticket_id, note in events:
                if len(notes[ticket_id]) < MAX_NOTES:
                    notes[ticket_id].append(note)
            _write([(ticket.pk, document(ticket, notes[ticket.pk])) for ticket in chunk])
        count += len(chunk)
        last = chunk[-1].pk
        if progress:
            progress(len(chunk), last)
    return count
