"""aiogram's sessions, with the answer models they parse kept alive."""

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType


class KeptResponseModels(BaseSession):
    """aiogram parses every answer with `Response[method.__returning__]`, and pydantic keeps
    such parametrised models only weakly: once the garbage collector took one, the next
    answer would build it again, at a cost every conversation step pays. Each model is kept
    here for the life of the process; there are a few dozen at most."""

    _models: dict[Any, type[Response[Any]]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._models:
            self._models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


class TelegramSession(KeptResponseModels, AiohttpSession):
    """The Bot API over HTTP (aiogram's aiohttp session) at `api_url`."""

    def __init__(self, api_url: str | None = None, **kwargs: Any) -> None:
        if api_url is not None:
            kwargs["api"] = TelegramAPIServer.from_base(api_url.rstrip("/"))
        super().__init__(**kwargs)
