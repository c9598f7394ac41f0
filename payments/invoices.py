"""Invoices of the local billing: the operator's CSV import and the demo codes."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from payments.clock import parse_utc, utcnow
from payments.codes import SERVICE_PREFIXES, Service, normalise_code
from payments.money import Money, MoneyError
from payments.states import BillStatus
from storage.db import SessionFactory, transaction
from storage.models import Invoice

CSV_HEADER = ("code", "payer_name", "service", "amount", "currency", "status", "expires_at")


class InvoiceImportError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    code: str
    payer_name: str
    service: Service
    amount: Money
    status: BillStatus
    expires_at: datetime | None


def parse_csv(text: str) -> list[InvoiceRow]:
    """Every row, or InvoiceImportError naming each bad line: nothing is half-imported."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _parse_rows(reader)
    except csv.Error as error:  # broken quoting, a stray carriage return ...
        raise InvoiceImportError([f"line {reader.line_num}: {error}"]) from error


def _parse_rows(reader: csv.DictReader) -> list[InvoiceRow]:
    if tuple(reader.fieldnames or ()) != CSV_HEADER:
        raise InvoiceImportError([f"line 1: header must be {','.join(CSV_HEADER)}"])
    rows: list[InvoiceRow] = []
    problems: list[str] = []
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
        rows.append(parsed)
    if problems:
        raise InvoiceImportError(problems)
    if not rows:
        raise InvoiceImportError(["the file has no invoices"])
    return rows


def _row(row: dict[str, str | None]) -> InvoiceRow:
    if None in row or any(value is None for value in row.values()):
        raise ValueError(f"expected {len(CSV_HEADER)} columns")
    values = {key: (value or "").strip() for key, value in row.items() if key}
    code = normalise_code(values["code"])
    if code is None:
        raise ValueError(f"code {values['code']!r} is not a payment code (digits only)")
    if not values["payer_name"]:
        raise ValueError("payer_name is empty")
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
    """Insert or update all rows in one transaction (`only_new`: leave known codes alone)."""
    async with transaction(sessions) as session:
        for row in rows:
            await _upsert(session, row, only_new)
    return len(rows)


async def _upsert(session: AsyncSession, row: InvoiceRow, only_new: bool) -> None:
    values = {
        "code": row.code,
        "payer_name": row.payer_name,
        "service": row.service.value,
        "amount_minor": row.amount.minor,
        "currency": row.amount.currency,
        "status": row.status.value,
        "expires_at": row.expires_at,
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Invoice).values(**values)
    if only_new:
        await session.execute(statement.on_conflict_do_nothing(index_elements=["code"]))
        return
    changed = {key: statement.excluded[key] for key in values if key not in ("code", "created_at")}
    await session.execute(statement.on_conflict_do_update(index_elements=["code"], set_=changed))


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
