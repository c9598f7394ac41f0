"""`payment-bot`: run, shell, migrate, invoices import/demo, link."""

import argparse
import asyncio
import signal
import sys
from pathlib import Path

import structlog
from pydantic import ValidationError

from bot import event_loop
from bot.app import App, build_app
from bot.gc_freeze import freeze_startup_heap, unfreeze_heap
from bot.logs import setup_logging
from bot.settings import DATA_DIR, BotMode, Settings
from core.codes import normalise_code
from payments.invoices import (
    ImportStopped,
    InvoiceImportError,
    check_file,
    demo_invoices,
    import_file,
    save_invoices,
)
from storage.db import create_engine, create_session_factory, migrate
from ui.deep_links import start_link, write_qr

log = structlog.get_logger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="payment-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="talk to Telegram: long polling or webhook (BOT_MODE)")
    shell = commands.add_parser("shell", help="chat with the bot in this terminal, no Telegram")
    shell.add_argument("--no-demo", action="store_true", help="do not load the demo codes")
    commands.add_parser("migrate", help="bring the database schema up to date")
    invoices = commands.add_parser("invoices", help="invoices of the local billing")
    invoice_commands = invoices.add_subparsers(dest="invoices_command", required=True)
    importer = invoice_commands.add_parser("import", help="import the operator's CSV file")
    importer.add_argument("file", type=Path)
    invoice_commands.add_parser("demo", help="load demo codes for every service and print them")
    link = commands.add_parser("link", help="the link that opens a payment code's bill")
    link.add_argument("code", help="the payment code, as printed on the notice")
    link.add_argument("--qr", type=Path, metavar="FILE.png", help="write its QR code too")
    args = parser.parse_args(argv)

    try:
        settings = Settings()
    except ValidationError as error:
        print(settings_problems(error), file=sys.stderr)
        return 2
    secrets = settings.secret_values()
    if args.command == "shell":
        # The conversation owns the terminal; the logs go to a file beside the database.
        DATA_DIR.mkdir(exist_ok=True)
        log_file = (DATA_DIR / "shell.log").open("a", encoding="utf-8")
        setup_logging(settings.log_level, settings.log_format.value, log_file, secrets=secrets)
    else:
        setup_logging(settings.log_level, settings.log_format.value, secrets=secrets)
    if args.command == "link":
        return print_link(settings, args.code, args.qr)
    runners = {
        "run": lambda: run_bot(settings),
        "shell": lambda: run_shell(settings, demo=not args.no_demo),
        "migrate": lambda: run_migrate(settings),
        "invoices": lambda: (
            import_invoices(settings, args.file)
            if args.invoices_command == "import"
            else load_demo(settings)
        ),
    }
    try:
        return event_loop.run(runners[args.command]())
    except KeyboardInterrupt:
        return 130


def settings_problems(error: ValidationError) -> str:
    """One line a wrong setting, by its environment name; never the value (it may be a secret)."""
    lines = ["payment-bot: the settings are wrong (environment or .env):"]
    for problem in error.errors(include_input=False, include_url=False):
        name = "_".join(str(part) for part in problem["loc"]).upper()
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"  {name}: {message}" if name else f"  {message}")
    return "\n".join(lines)


def unreadable(error: OSError | UnicodeDecodeError) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "the file is not UTF-8 (save it from the spreadsheet as CSV UTF-8)"
    return error.strerror or type(error).__name__


def print_link(settings: Settings, typed: str, qr: Path | None) -> int:
    """Offline: the username comes from the settings, the code is checked as a typed one."""
    if not settings.bot_username:
        print("BOT_USERNAME is not set: the link names the bot.", file=sys.stderr)
        return 2
    code = normalise_code(typed)
    if code is None:
        print("not a payment code: 6 to 32 digits (spaces and dashes are fine)", file=sys.stderr)
        return 2
    link = start_link(settings.bot_username, code)
    print(link)
    if qr is not None:
        try:
            write_qr(link, qr)
        except OSError as error:
            print(f"{qr}: not written: {unreadable(error)}", file=sys.stderr)
            return 1
    return 0


async def run_migrate(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    print("database is up to date")
    return 0


async def import_invoices(settings: Settings, path: Path) -> int:
    """Checks the whole file first (a bad line imports nothing), then writes it in batches,
    each its own transaction, so a running bot is never kept waiting for the whole file."""
    try:
        total = check_file(path)
    except (OSError, UnicodeDecodeError) as error:
        print(f"{path}: nothing imported: {unreadable(error)}", file=sys.stderr)
        return 1
    except InvoiceImportError as error:
        print(f"{path}: nothing imported", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1

    def progress(imported: int, line: int) -> None:
        if imported < total:
            print(f"{imported} of {total} invoices imported (up to line {line})", flush=True)

    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        count = await import_file(create_session_factory(engine), path, progress=progress)
    except ImportStopped as stopped:
        reason = type(stopped.__cause__).__name__
        print(
            f"{path}: stopped ({reason}): {stopped.imported} of {total} invoices imported, up to "
            f"line {stopped.line}; importing the same file again is safe",
            file=sys.stderr,
        )
        return 1
    finally:
        await engine.dispose()
    print(f"{count} invoices imported from {path}")
    return 0


async def load_demo(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        rows = demo_invoices()
        await save_invoices(create_session_factory(engine), rows)
    finally:
        await engine.dispose()
    for row in rows:
        print(f"{row.code}  {row.service.value:<30} {row.status.value:<10} {row.amount.display()}")
    return 0


async def run_bot(settings: Settings) -> int:
    """Long polling, or a webhook served by the bot's own web server (BOT_MODE)."""
    if not settings.bot_token.get_secret_value():
        print("BOT_TOKEN is not set: use `payment-bot shell` to try the bot without Telegram.")
        return 2
    app = build_app(settings)
    try:
        await app.start()
        log.info("heap.frozen", objects=freeze_startup_heap())
        if settings.bot_mode is BotMode.WEBHOOK:
            await _until_stopped()
        else:
            await app.bot.delete_webhook(drop_pending_updates=False)
            await app.dispatcher.start_polling(
                app.bot, handle_signals=True, close_bot_session=False
            )
    finally:
        unfreeze_heap()
        await app.stop()
    return 0


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


async def run_shell(settings: Settings, *, demo: bool) -> int:
    from bot.shell import TerminalSession, run_shell

    session = TerminalSession(files_dir=DATA_DIR / "shell-files")
    app: App = build_app(settings, session=session)
    codes: list[str] = []
    try:
        await app.start()
        if demo:
            rows = demo_invoices()
            await save_invoices(app.sessions, rows, only_new=True)
            codes = [f"{row.code}  ({row.service.value}, {row.status.value})" for row in rows]
        print(f"Payment pages are served at {settings.public_base}")
        await run_shell(app, session, codes)
    finally:
        await app.stop()
    return 0
