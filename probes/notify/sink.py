"""The local sink: 'delivers' by appending a JSON line to a file, or by recording only."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from probes.notify.result import Delivery

if TYPE_CHECKING:
    from probes.notify.config import SinkChannel
    from state.journal.outbox import OutboxMessage


def deliver(message: OutboxMessage, channel: SinkChannel, now: datetime) -> Delivery:
    if channel.path is None:
        return Delivery.delivered()
    line = {
        "at": now.isoformat(),
        "message_id": message.message_id,
        "channel": message.channel,
        "purpose": message.purpose,
        "status": message.status.value,
        "text": message.text,
    }
    try:
        with channel.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as exc:
        return Delivery.failed(f"sink {channel.path}: {(exc.strerror or str(exc)).lower()}")
    return Delivery.delivered()
