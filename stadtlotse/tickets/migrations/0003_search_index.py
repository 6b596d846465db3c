"""The full-text index of tickets (see tickets/search.py): FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # No foreign key: Django's flush (TRUNCATE of the tables it knows) would refuse a table that
        # this unmanaged one references. Searches join on the ticket table, so an orphan never shows.
        schema_editor.execute(
            "CREATE TABLE tickets_search (ticket_id bigint PRIMARY KEY, document tsvector NOT NULL)"
        )
        schema_editor.execute("CREATE INDEX tickets_search_document ON tickets_search USING GIN (document)")
    else:
        # The ticket's primary key is the FTS5 rowid; remove_diacritics 2 folds ä/ö/ü/é for matching.
        schema_editor.execute(
            "CREATE VIRTUAL TABLE tickets_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    # Tickets that existed before this migration get their documents now.
    from stadtlotse.tickets import search

    Ticket = apps.get_model("tickets", "Ticket")
    for ticket in Ticket.objects.order_by("pk").iterator(chunk_size=500):
        search.reindex(ticket)


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE tickets_search")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_follow_up_escalation")]

    operations = [migrations.RunPython(create, drop)]
