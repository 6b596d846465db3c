"""What the connectors' modules share without importing each other (so every import stays at module level)."""


class DeliveryError(Exception):
    """The connector could not deliver; the job will try again."""
