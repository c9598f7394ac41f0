"""Telegram's pace for outgoing messages: about 30 a second overall and one a second per chat."""

import asyncio


class Pacer:
    def __init__(self, per_second: float = 30.0, per_chat_seconds: float = 1.0) -> None:
        self._interval = 1.0 / per_second
        self._per_chat = per_chat_seconds
        self._next_slot = 0.0
        self._next_for_chat: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        """Sleep until this chat's turn has come, then take the next free slot overall.

        A message waiting for its own chat (a receipt's PDF, a second behind the receipt) takes
        no overall slot while it waits, so it never holds back other chats' messages."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        while (turn := self._next_for_chat.get(chat_id, 0.0)) > now:
            await asyncio.sleep(turn - now)
            now = loop.time()
        # No await between the check above and these reservations: no other task can slip in.
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._interval
        self._next_for_chat[chat_id] = slot + self._per_chat
        if len(self._next_for_chat) > 10_000:
            self._next_for_chat = {c: t for c, t in self._next_for_chat.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)
