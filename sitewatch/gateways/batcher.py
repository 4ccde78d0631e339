"""Database work off the event loop, in batches: the gateways' one way to store things.

Items are queued with a future each; one worker thread takes up to `max_batch` items (or
what arrived within `max_delay`), runs the store function on them in one transaction and
resolves the futures with its per-item results. A device is answered only when its
future resolves, i.e. after the commit (ARCHITECTURE: acknowledged only after storage).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("sitewatch.gateway.batcher")


class Batcher:
    def __init__(self, store: Callable[[Sequence[Any]], list[Any]], *, max_batch: int = 500,
                 max_delay: float = 0.02, max_pending: int = 50_000):
        self.store = store
        self.max_batch = max_batch
        self.max_delay = max_delay
        self.max_pending = max_pending
        self._queue: asyncio.Queue[tuple[Any, asyncio.Future]] | None = None
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
        self._closing = False
        self._busy = False
        self.batches = 0
        self.items = 0
        self.failures = 0

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="batcher")

    @property
    def pending(self) -> int:
        return self._queue.qsize() if self._queue else 0

    @property
    def overloaded(self) -> bool:
        return self.pending >= self.max_pending

    def submit(self, item: Any) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        return future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            self._busy = True
            deadline = loop.time() + self.max_delay
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except asyncio.QueueEmpty:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                    except TimeoutError:
                        break
            items = [item for item, _ in batch]
            try:
                results = await loop.run_in_executor(self._executor, self._store, items)
            except Exception as exc:  # the database is down or locked: nobody is answered
                self.failures += 1
                log.exception("批量写入失败（%d 条），设备将重发", len(items))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                await asyncio.sleep(0.5)
                continue
            finally:
                self._busy = False
            self.batches += 1
            self.items += len(items)
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    def _store(self, items):
        # The thread keeps its database connection from batch to batch. Django's
        # close_old_connections() here closed it after every batch (CONN_MAX_AGE defaults to
        # 0): a new connection per batch — on PostgreSQL a TCP and auth handshake — was a
        # third of this thread's time. A connection that failed is dropped instead, so the
        # batch after a database restart opens a fresh one.
        started = time.perf_counter()
        try:
            results = self.store(items)
        except Exception:
            _close_connections()
            raise
        log.debug("写入 %d 条用时 %.1f ms", len(items), (time.perf_counter() - started) * 1000)
        return results

    async def close(self) -> None:
        if self._task:
            # Let what is queued be stored (and answered) before stopping; the batch in
            # flight finishes on its thread whatever happens to this task.
            while self._queue.qsize() or self._busy:
                await asyncio.sleep(0.01)
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        # The worker thread's database connection would outlive the thread otherwise.
        await asyncio.get_running_loop().run_in_executor(self._executor, _close_connections)
        self._executor.shutdown(wait=True)

    async def run_sync(self, fn, *args):
        """Run other database work on the same thread (e.g. reloading the device directory)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()
