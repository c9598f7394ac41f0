"""The outgoing pace: Telegram's overall limit and its one message a second per chat."""

import asyncio
from itertools import pairwise

from delivery.pacing import Pacer


async def _sent_at(pacer: Pacer, chat_id: int, delay: float = 0.0) -> float:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(delay)
    await pacer.wait(chat_id)
    return loop.time()


async def test_a_message_waiting_for_its_chat_holds_back_no_other_chat():
    """A receipt's PDF waits a second behind the receipt in its chat; another user's receipt
    queued meanwhile goes at once."""
    pacer = Pacer(per_second=1000, per_chat_seconds=0.5)
    start = asyncio.get_running_loop().time()
    receipt, pdf, other = await asyncio.gather(
        _sent_at(pacer, 1), _sent_at(pacer, 1, 0.01), _sent_at(pacer, 2, 0.02)
    )
    assert pdf - receipt >= 0.5
    assert other - start < 0.25


async def test_messages_keep_the_overall_pace_and_each_chat_its_interval():
    pacer = Pacer(per_second=20, per_chat_seconds=0.2)
    sends = await asyncio.gather(*(_sent_at(pacer, chat) for chat in (1, 2, 3, 4, 5, 1, 1)))
    assert all(b - a >= 0.05 - 0.005 for a, b in pairwise(sorted(sends)))
    chat_1 = sorted(sends[i] for i in (0, 5, 6))
    assert all(b - a >= 0.2 - 0.005 for a, b in pairwise(chat_1))
