from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BISHKEK = ZoneInfo("Asia/Bishkek")


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_utc(text: str) -> datetime:
    """An ISO 8601 timestamp; one without a zone is taken as UTC."""
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def bishkek_time(moment: datetime) -> str:
    """`23.11.2026 19:40 (Asia/Bishkek, UTC+06:00)`: receipts name the zone they are shown in."""
    local = moment.astimezone(BISHKEK)
    offset = local.strftime("%z")
    return f"{local:%d.%m.%Y %H:%M:%S} (Asia/Bishkek, UTC{offset[:3]}:{offset[3:]})"
