"""A console process for the crash tests: `python -m tests.integration.notify_child PATH MODE CFG`.

first:  make the journal, queue an update to every configured channel, try to send it
        (the test kills this process while the receiver holds the request).
hang:   make the journal, queue, then wait to be killed before anything is sent.
resume: open the journal as a restarted console does and deliver until nothing is open.
Secrets come from the environment, as in a real console.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

from probes.notify.config import parse
from state.clock import FrozenClock
from tests.integration.notify_room import T0, new_room, reopen


def main(path: Path, mode: str, settings: str) -> int:
    cfg = parse(json.loads(settings))
    if mode in ("first", "hang"):
        room = new_room(path)
        room.queue_update(cfg, list(cfg.channels))
        print("queued", flush=True)
        if mode == "hang":
            time.sleep(120)
            return 3
        asyncio.run(room.sender(cfg, environ=None).deliver_due())
        return 3  # the test kills us before this
    room = reopen(path, FrozenClock(T0 + timedelta(seconds=60)))
    sender = room.sender(cfg, environ=None)
    resumed = sender.resume()

    async def deliver() -> list:
        outcomes = []
        for _ in range(20):
            outcomes += await sender.deliver_due()
            if not room.outbox.open_rows():
                break
            room.clock.advance(30)
        await sender.stop()
        return outcomes

    outcomes = asyncio.run(deliver())
    room.close()
    print(
        json.dumps({"resumed": resumed, "outcomes": [o.model_dump(mode="json") for o in outcomes]})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
