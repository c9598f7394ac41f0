"""aiogram runs a handler or filter that is a plain function (a bare magic filter `F.text`
included) in a worker thread, a thread hop per update; the bot's are all coroutines."""

from aiogram import Router

from bot.app import build_app
from bot.settings import Settings


def all_routers(router: Router) -> list[Router]:
    return [router, *(r for sub in router.sub_routers for r in all_routers(sub))]


async def test_every_handler_and_filter_runs_in_the_event_loop() -> None:
    app = build_app(Settings(_env_file=None, admin_ids="1"))
    await app.http.close()
    in_a_thread = [
        f"{router.name}.{name}: {callable_.callback}"
        for router in all_routers(app.dispatcher)
        for name, observer in router.observers.items()
        for callable_ in [
            *observer.handlers,
            *(f for handler in observer.handlers for f in handler.filters or []),
            *(observer._handler.filters or []),  # the router's own filters
        ]
        if not callable_.awaitable
    ]
    assert in_a_thread == []
