"""Writing notifications and sending them.

`notification_queue` writes the rows (status 待发送) inside the caller's transaction, so an
alarm and its notifications are stored together or not at all. `notifications_dispatch`
then claims each pending row with a conditional UPDATE, sends it through the transport
outside any transaction, and writes the result: several copies of the monitor loop never
send a message twice, and a crash mid-send leaves the row at 发送中 as evidence.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import models

from sitewatch.notifications.models import Notification, Status
from sitewatch.notifications.transports import Transport, TransportError, get_transport

log = logging.getLogger("sitewatch.notifications")


@dataclass(frozen=True)
class Recipient:
    name: str
    user_id: int | None = None
    firm_id: int | None = None
    phone: str = ""


def firm_recipients(*, firm) -> list[Recipient]:
    """A firm's active users, and its contact phone unless one of those users has that number."""
    from sitewatch.accounts.models import User

    if firm is None:
        return []
    recipients = []
    for user in User.objects.filter(organisation__firm=firm, is_active=True).order_by("pk"):
        recipients.append(Recipient(name=user.display_name, user_id=user.pk, firm_id=firm.pk, phone=user.phone))
    phones = {r.phone for r in recipients if r.phone}
    if firm.contact_phone and firm.contact_phone not in phones:
        name = f"{firm.name}（{firm.contact_name}）" if firm.contact_name else firm.name
        recipients.append(Recipient(name=name, firm_id=firm.pk, phone=firm.contact_phone))
    return recipients


def notification_queue(*, recipients: Iterable[Recipient], subject: str, body: str,
                       related: models.Model | None, now: dt.datetime) -> list[Notification]:
    rows = [
        Notification(
            recipient_user_id=r.user_id, recipient_firm_id=r.firm_id, recipient_name=r.name[:100],
            recipient_phone=r.phone[:30], channel=settings.NOTIFY_TRANSPORT, subject=subject[:200], body=body,
            related_model=related._meta.label_lower if related is not None else "",
            related_id=str(related.pk) if related is not None else "", created_at=now,
        )
        for r in recipients
    ]
    return Notification.objects.bulk_create(rows)


def notifications_dispatch(*, now: dt.datetime, transport: Transport | None = None, limit: int = 500) -> dict[str, int]:
    """Send pending notifications; {"sent": n, "failed": m}."""
    transport = transport or get_transport()
    counts = {"sent": 0, "failed": 0}
    pending = Notification.objects.filter(status=Status.PENDING, channel=transport.name)
    for pk in pending.order_by("created_at", "pk").values_list("pk", flat=True)[:limit]:
        if not Notification.objects.filter(pk=pk, status=Status.PENDING).update(status=Status.SENDING):
            continue  # another copy of the loop took it
        notification = Notification.objects.get(pk=pk)
        try:
            transport.send(notification)
        except TransportError as exc:
            Notification.objects.filter(pk=pk).update(status=Status.FAILED, error=str(exc)[:2000], sent_at=None)
            log.warning("通知 %s 发送失败：%s", pk, exc)
            counts["failed"] += 1
        else:
            Notification.objects.filter(pk=pk).update(status=Status.SENT, sent_at=now, error="")
            counts["sent"] += 1
    return counts
