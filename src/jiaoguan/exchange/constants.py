from django.db import models
from django.utils.translation import gettext_lazy as _

#: The envelope format this deployment writes and reads (docs/exchange.md).
ENVELOPE_FIELDS = ("id", "type", "from", "to", "created", "body", "signature")
ALGORITHM = "Ed25519"
ARCHIVE_FORMAT = "jiaoguan.archive/1"
#: Largest envelope the inbox reads (an archive with its history and document hashes).
MAX_ENVELOPE_BYTES = 2 * 1024 * 1024


class MessageType(models.TextChoices):
    ARCHIVE_TRANSFER = "archive.transfer", _("Electronic archive (transfer out)")
    ARCHIVE_REGISTERED = "archive.registered", _("Archive registered at the new office")
    ARCHIVE_REJECTED = "archive.rejected", _("Archive refused by the new office")
    INSPECTION_RESULT = "inspection.result", _("Inspection result from another province")
    INSPECTION_RECORDED = "inspection.recorded", _("Inspection recorded in the home province")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting for acknowledgement")
    DELIVERED = "delivered", _("Acknowledged")
    REFUSED = "refused", _("Refused by the receiver")


class Direction(models.TextChoices):
    OUT = "out", _("Moving out")
    IN = "in", _("Moving in")


class TransferKind(models.TextChoices):
    MOVE_OUT = "move_out", _("Owner moves to another province (R164 Art. 18)")
    SALE = "sale", _("Sold to a buyer in another province (R164 Art. 27)")


class TransferState(models.TextChoices):
    SENT = "sent", _("Archive sealed and sent")
    RECEIVED = "received", _("Archive received and verified")
    SELECTING = "selecting", _("Owner selecting a plate number")
    REGISTERED = "registered", _("Registered at the new office")
    COMPLETED = "completed", _("Transferred (old record closed)")
    REJECTED = "rejected", _("Refused")


class ForeignInspectionState(models.TextChoices):
    SENT = "sent", _("Result sent to the home province")
    RECORDED = "recorded", _("Recorded in the home province")
    REFUSED = "refused", _("Refused by the home province")
