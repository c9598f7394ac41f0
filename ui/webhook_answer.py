"""A pressed button's answer carried in the answer to Telegram's webhook request.

Telegram carries out one Bot API method given as the answer to a webhook request, and tells
nothing of its outcome. A button's answer (answerCallbackQuery) returns nothing the bot uses,
and one Telegram refuses is only logged, so when the update came through the webhook it goes
there: a request fewer for each press. It reaches Telegram once the update is handled, with
the step's messages sent; a second answer in the same update, one given after the webhook
was answered, or one whose place a handler's own method took, is sent as a request of its own.
"""

from contextvars import ContextVar

from aiogram.methods import AnswerCallbackQuery


class WebhookAnswer:
    """What the answer to one webhook request carries: a button's answer, at most one."""

    __slots__ = ("method", "open")

    def __init__(self) -> None:
        self.method: AnswerCallbackQuery | None = None
        self.open = True

    def carry(self, method: AnswerCallbackQuery) -> bool:
        if not self.open or self.method is not None:
            return False
        self.method = method
        return True

    def close(self) -> AnswerCallbackQuery | None:
        """What goes with the webhook's answer; whatever comes after is sent on its own."""
        self.open = False
        return self.method


# Set by the webhook for the update it feeds (web.webhook); the update's handling, in a task
# of its own, sees the same object.
WEBHOOK_ANSWER: ContextVar[WebhookAnswer | None] = ContextVar("webhook_answer", default=None)


def carried(method: AnswerCallbackQuery) -> bool:
    """Whether `method` goes with the webhook's answer (else the caller sends it)."""
    answer = WEBHOOK_ANSWER.get()
    return answer is not None and answer.carry(method)
