from django.db import models


class AttemptStatus(models.TextChoices):
    """Where one sign-in through the provincial platform stands (see ``workflow.py``)."""

    PENDING = "pending", "pending"  # sent to the provider, waiting for the callback
    EXCHANGING = "exchanging", "exchanging"  # callback arrived, code being exchanged
    COMPLETED = "completed", "completed"  # signed in
    REFUSED = "refused", "refused"  # refused: the reason code is recorded
