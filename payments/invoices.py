"""Invoices of the local billing: the operator's CSV import and the demo codes."""

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from core.clock import parse_utc, utcnow
from core.codes import normalise_code
from core.money import Money, MoneyError
from core.services import SERVICE_PREFIXES, Service
from core.statuses import BillStatus
from payments.billing.base import MAX_PAYER_NAME
from storage.db import SessionFactory
from storage.invoices import InvoiceRow, Invoices

CSV_HEADER = ("code", "payer_name", "service", "amount", "currency", "status", "expires_at")
# Rows written per transaction by import_file: SQLite's one writer (the running bot) waits for
# a batch at most, never for the whole file.
IMPORT_BATCH = 1000


class InvoiceImportError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_csv(text: str) -> list[InvoiceRow]:
    """Every row, or InvoiceImportError naming each bad line: nothing is half-imported."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    problems: list[str] = []
    rows = [row for _, row in _checked_rows(reader, problems)]
    if problems:
        raise InvoiceImportError(problems)
    if not rows:
        raise InvoiceImportError(["the file has no invoices"])
    return rows


def check_file(path: Path) -> int:
    """How many invoices the file holds, read a line at a time; InvoiceImportError naming
    each bad line (OSError, UnicodeDecodeError if it cannot be read)."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        problems: list[str] = []
        count = sum(1 for _ in _checked_rows(csv.DictReader(file), problems))
    if problems:
        raise InvoiceImportError(problems)
    if not count:
        raise InvoiceImportError(["the file has no invoices"])
    return count


class ImportStopped(Exception):
    """The import failed part way: the batches before ``line`` are in, the rest are not."""

    def __init__(self, imported: int, line: int) -> None:
        super().__init__(f"{imported} invoices imported, up to line {line}")
        self.imported = imported
        self.line = line


async def import_file(
    sessions: SessionFactory,
    path: Path,
    *,
    batch: int = IMPORT_BATCH,
    progress: Callable[[int, int], None] = lambda imported, line: None,
) -> int:
    """Insert or update the invoices of a file checked by check_file, ``batch`` rows per
    transaction, calling ``progress(imported, last line)`` after each. Importing the same file
    again is harmless, so after ImportStopped it can simply be run again."""
    imported, line = 0, 1
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        problems: list[str] = []
        rows = _checked_rows(reader, problems)
        while True:
            pending = [row for _, row in itertools.islice(rows, batch)]
            if problems:  # the file changed since it was checked
                raise InvoiceImportError(problems)
            if not pending:
                return imported
            try:
                await save_invoices(sessions, pending)
            except Exception as error:
                raise ImportStopped(imported, line) from error
            imported, line = imported + len(pending), reader.line_num
            progress(imported, line)


def _checked_rows(reader: csv.DictReader, problems: list[str]) -> Iterator[tuple[int, InvoiceRow]]:
    """The good rows with their line numbers; each bad line's problem goes to ``problems``."""
    try:
        if tuple(reader.fieldnames or ()) != CSV_HEADER:
            problems.append(f"line 1: header must be {','.join(CSV_HEADER)}")
            return
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            try:
                parsed = _row(row)
            except (ValueError, MoneyError, TypeError) as error:
                problems.append(f"line {line}: {error}")
                continue
            if parsed.code in seen:
                problems.append(f"line {line}: code {parsed.code} appears twice")
                continue
            seen.add(parsed.code)
            yield line, parsed
    except csv.Error as error:  # broken quoting, a stray carriage return ...
        problems.append(f"line {reader.line_num}: {error}")


def _row(row: dict[str, str | None]) -> InvoiceRow:
    if None in row or any(value is None for value in row.values()):
        raise ValueError(f"expected {len(CSV_HEADER)} columns")
    values = {key: (value or "").strip() for key, value in row.items() if key}
    code = normalise_code(values["code"])
    if code is None:
        raise ValueError(f"code {values['code']!r} is not a payment code (digits only)")
    if not values["payer_name"]:
        raise ValueError("payer_name is empty")
    if len(values["payer_name"]) > MAX_PAYER_NAME:
        raise ValueError(f"payer_name is longer than {MAX_PAYER_NAME} characters")
    try:
        service = Service(values["service"])
    except ValueError:
        raise ValueError(f"unknown service {values['service']!r}") from None
    try:
        status = BillStatus(values["status"])
    except ValueError:
        raise ValueError(f"unknown status {values['status']!r}") from None
    expires = values["expires_at"]
    return InvoiceRow(
        code=code,
        payer_name=values["payer_name"],
        service=service,
        amount=Money.parse(values["amount"], values["currency"]),
        status=status,
        expires_at=parse_utc(expires) if expires else None,
    )


async def save_invoices(
    sessions: SessionFactory, rows: list[InvoiceRow], *, only_new: bool = False
) -> int:
    """Insert or update all rows in one transaction (`only_new`: leave known codes alone);
    their codes must differ."""
    return await Invoices(sessions).save(rows, only_new=only_new)


_DEMO = [
    # (service, payer, amount, status)
    (Service.ID_CARD_2017, "ASANOV ASAN", "1250.00", BillStatus.UNPAID),
    (Service.PASSPORT_2020, "ABDYKADYROVA AIDA", "2400.00", BillStatus.UNPAID),
    (Service.DRIVING_LICENCE_NATIONAL, "TOKTOGULOV BAKYT", "1300.00", BillStatus.UNPAID),
    (Service.DRIVING_LICENCE_INTERNATIONAL, "SYDYKOVA NURGUL", "1950.00", BillStatus.UNPAID),
    (Service.MEKEN_CARD, "IVANOV SERGEI", "3000.00", BillStatus.UNPAID),
    (Service.PLATE_AUCTION, "OMUROV ERLAN", "55000.00", BillStatus.UNPAID),
    (Service.ID_CARD_2017, "BEKOVA ZHAZGUL", "1250.00", BillStatus.PAID),
    (Service.PASSPORT_2020, "MAMYTOV TALANT", "2400.00", BillStatus.CANCELLED),
    (Service.DRIVING_LICENCE_NATIONAL, "KASYMOVA DINARA", "1300.00", BillStatus.EXPIRED),
]


def demo_invoices() -> list[InvoiceRow]:
    """Codes that look like the operator's: the service prefix, then ten digits."""
    expires = utcnow() + timedelta(days=30)
    rows = []
    for number, (service, payer, amount, status) in enumerate(_DEMO, start=1):
        code = f"{SERVICE_PREFIXES[service]}{2026_11_00_00 + number * 7_919:010d}"
        rows.append(InvoiceRow(code, payer, service, Money.parse(amount, "KGS"), status, expires))
    return rows
