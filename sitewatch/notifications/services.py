"""Writing notifications and sending them.

`notification_queue` writes the rows (status 待发送) inside the caller's transaction, so an
alarm and its notifications are stored together or not at all. `notifications_dispatch`
then claims each due row with a conditional UPDATE, sends it through the transport outside
any transaction, and writes the result: several copies of the monitor loop never send a
message twice, and a crash mid-send leaves the row at 发送中 as evidence (it is not sent again
by itself: the provider may already have accepted it).

Retries (口径 K-S3): a transport makes one attempt. A retryable failure (rate limit, provider
fault, timeout) puts the row back to 待发送 with the attempt counted and a time before which it
is not tried again; after SMS_MAX_ATTEMPTS attempts, or at once for a permanent error, the row
is 发送失败 with the provider's code. When the provider cannot be reached at all, the rest of
the round's SMS wait for the next round instead of each waiting for its own timeout.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sitewatch.lib.dates import SHANGHAI
from sitewatch.notifications.models import Notification, Status
from sitewatch.notifications.transports import OutboxTransport, Transport, TransportError, get_transport

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


def channel_for(phone: str) -> str:
    """The channel a row is meant for: SMS when one is switched on and the row has a phone
    number, else the outbox (口径 K-S1). Every row is readable in the outbox either way."""
    return settings.NOTIFY_TRANSPORT if phone else OutboxTransport.name


def notification_queue(*, recipients: Iterable[Recipient], subject: str, body: str,
                       related: models.Model | None, now: dt.datetime) -> list[Notification]:
    rows = [
        Notification(
            recipient_user_id=r.user_id, recipient_firm_id=r.firm_id, recipient_name=r.name[:100],
            recipient_phone=r.phone[:30], channel=channel_for(r.phone[:30]), subject=subject[:200], body=body,
            related_model=related._meta.label_lower if related is not None else "",
            related_id=str(related.pk) if related is not None else "", created_at=now,
        )
        for r in recipients
    ]
    return Notification.objects.bulk_create(rows)


# Waits before attempt n+1 after a retryable failure of attempt n: 1, 2, 4, 8… minutes, at most
# 30 (Alibaba Cloud's per-number flow control allows 1 notice a minute and 5 an hour).
RETRY_FIRST_WAIT = dt.timedelta(minutes=1)
RETRY_LONGEST_WAIT = dt.timedelta(minutes=30)


def retry_wait(attempts: int) -> dt.timedelta:
    return min(RETRY_FIRST_WAIT * 2 ** max(attempts - 1, 0), RETRY_LONGEST_WAIT)


def notifications_dispatch(*, now: dt.datetime, transport: Transport | None = None, limit: int = 500) -> dict[str, int]:
    """Send the notifications that are due; {"sent": n, "failed": m} (rows waiting for a retry count in neither).

    `transport` is the configured channel (NOTIFY_TRANSPORT when None). Rows with a phone number
    go through it when it is an SMS channel; the others are delivered to the outbox. The send time
    recorded is `now` advanced by the time this round has spent so far, to the second: a round
    that sends many messages does not date them all at its start."""
    configured = transport or get_transport()
    outbox = configured if configured.name == OutboxTransport.name else OutboxTransport()
    sms = None if configured is outbox else configured
    max_attempts = settings.SMS_MAX_ATTEMPTS
    started = time.monotonic()

    def moment() -> dt.datetime:
        return now + dt.timedelta(seconds=int(time.monotonic() - started))

    counts = {"sent": 0, "failed": 0}
    sms_unreachable: TransportError | None = None
    due = Notification.objects.filter(status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    for pk, phone in due.order_by("created_at", "pk").values_list("pk", "recipient_phone")[:limit]:
        route = sms if sms is not None and phone else outbox
        if route is sms and sms_unreachable is not None:
            continue  # the provider is down: this row keeps its place for the next round
        attempt_at = moment()
        claimed = Notification.objects.filter(pk=pk, status=Status.PENDING).update(
            status=Status.SENDING, channel=route.name, attempts=F("attempts") + 1, last_attempt_at=attempt_at)
        if not claimed:
            continue  # another copy of the loop took it
        notification = Notification.objects.get(pk=pk)
        try:
            delivery = route.send(notification)
        except TransportError as exc:
            if exc.unavailable:
                sms_unreachable = exc
            if _settle_failure(notification, exc, max_attempts=max_attempts, at=moment()):
                counts["failed"] += 1
        else:
            message_id = (delivery.message_id if delivery is not None else "")[:100]
            Notification.objects.filter(pk=pk, status=Status.SENDING).update(
                status=Status.SENT, sent_at=moment(), provider_message_id=message_id, error="", error_code="",
                next_attempt_at=None)
            counts["sent"] += 1
    if sms_unreachable is not None:
        log.warning("短信平台暂时无法连接（%s），其余短信下一轮再发", sms_unreachable.code)
    return counts


def _settle_failure(notification: Notification, exc: TransportError, *, max_attempts: int, at: dt.datetime) -> bool:
    """Write a failed attempt; True when the row is 发送失败 for good, False when it will be retried."""
    attempts = notification.attempts
    rows = Notification.objects.filter(pk=notification.pk, status=Status.SENDING)
    if exc.retryable and attempts < max_attempts:
        retry_at = at + retry_wait(attempts)
        rows.update(status=Status.PENDING, error_code=exc.code[:100], next_attempt_at=retry_at,
                    error=f"第{attempts}次发送未成功（{exc}），将于{retry_at.astimezone(SHANGHAI):%m月%d日 %H:%M}重试"[:2000])
        log.info("通知 %s 第%s次发送未成功（%s），稍后重试", notification.pk, attempts, exc.code or "error")
        return False
    error = str(exc) if attempts <= 1 else f"{exc}（共尝试{attempts}次）"
    rows.update(status=Status.FAILED, error=error[:2000], error_code=exc.code[:100], sent_at=None, next_attempt_at=None)
    log.warning("通知 %s 发送失败：%s", notification.pk, exc.code or exc)
    return True
