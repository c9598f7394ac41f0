"""Telegram's pace for outgoing messages: about 30 a second overall and one a second per chat."""

import asyncio


class Pacer:
    def __init__(self, per_second: float = 30.0, per_chat_seconds: float = 1.0) -> None:
        self._interval = 1.0 / per_second
        self._per_chat = per_chat_seconds
        self._next_slot = 0.0
        self._next_for_chat: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        """Reserve the next free slot for this chat, then sleep until it comes."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            slot = max(now, self._next_slot, self._next_for_chat.get(chat_id, 0.0))
            self._next_slot = slot + self._interval
            self._next_for_chat[chat_id] = slot + self._per_chat
            if len(self._next_for_chat) > 10_000:
                self._next_for_chat = {c: t for c, t in self._next_for_chat.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)
