import pytest
from sqlalchemy import func, select

from bot.cli import main
from payments.invoices import InvoiceImportError, parse_csv, save_invoices
from storage.db import create_engine, create_session_factory, migrate
from storage.models import Invoice

HEADER = "code,payer_name,service,amount,currency,status,expires_at\n"
GOOD = (
    HEADER
    + "1100 0000 0001,ASANOV ASAN,id_card_2017,1250.00,KGS,unpaid,2027-01-01T00:00:00Z\n"
    + "160000000002,SYDYKOVA NURGUL,driving_licence_international,1950,KGS,paid,\n"
)


def test_good_file_parses_with_normalised_codes_and_minor_units():
    rows = parse_csv(GOOD)
    assert [row.code for row in rows] == ["110000000001", "160000000002"]
    assert rows[0].amount.minor == 125000
    assert rows[1].expires_at is None


def test_every_bad_row_is_reported_with_its_line_number():
    text = (
        GOOD
        + "abc,X,id_card_2017,10,KGS,unpaid,\n"
        + "110000000003,X,passport_1999,10,KGS,unpaid,\n"
        + "110000000004,X,passport_2020,10.001,KGS,unpaid,\n"
        + "110000000005,X,passport_2020,10,KGS,lost,\n"
        + "110000000001,X,passport_2020,10,KGS,unpaid,\n"
        + "110000000006,X,passport_2020,10,KGS,unpaid,not-a-date\n"
    )
    with pytest.raises(InvoiceImportError) as error:
        parse_csv(text)
    lines = [problem.split(":")[0] for problem in error.value.problems]
    assert lines == ["line 4", "line 5", "line 6", "line 7", "line 8", "line 9"]


def test_a_payer_name_longer_than_a_bill_may_have_is_reported_with_its_line():
    """The same bound as the HTTP billing's answers: the payments table keeps 200 characters."""
    text = GOOD + "110000000007," + "A" * 201 + ",passport_2020,10,KGS,unpaid,\n"
    with pytest.raises(InvoiceImportError) as error:
        parse_csv(text)
    assert [problem.split(":")[0] for problem in error.value.problems] == ["line 4"]


def test_wrong_header_is_refused():
    with pytest.raises(InvoiceImportError, match="line 1"):
        parse_csv("code,name\n1,2\n")


async def test_import_is_all_or_nothing_and_updates_known_codes(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    await save_invoices(sessions, parse_csv(GOOD))
    changed = GOOD.replace("1250.00", "1300.00")
    await save_invoices(sessions, parse_csv(changed))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Invoice)) == 2
        invoice = await session.get(Invoice, "110000000001")
    assert invoice.amount_minor == 130000
    await engine.dispose()


def test_cli_import_reports_and_imports_nothing_on_a_bad_file(tmp_path, monkeypatch, capsys):
    database = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "xyz,X,id_card_2017,10,KGS,unpaid,\n", encoding="utf-8")
    assert main(["invoices", "import", str(bad)]) == 1
    assert "line 4" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["invoices", "import", str(good)]) == 0
    assert "2 invoices imported" in capsys.readouterr().out
    assert main(["invoices", "demo"]) == 0
    printed = capsys.readouterr().out
    for service in (
        "id_card_2017",
        "passport_2020",
        "driving_licence_national",
        "driving_licence_international",
        "meken_card",
        "plate_auction",
    ):
        assert service in printed


def test_cli_says_why_a_file_cannot_be_read(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    excel = tmp_path / "excel.csv"
    excel.write_bytes(GOOD.replace("ASANOV ASAN", "АСАНОВ АСАН").encode("cp1251"))
    assert main(["invoices", "import", str(excel)]) == 1
    assert "not UTF-8" in capsys.readouterr().err
    assert main(["invoices", "import", str(tmp_path / "missing.csv")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_cli_names_each_wrong_setting_and_never_its_value(monkeypatch, capsys):
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    monkeypatch.setenv("BOT_MODE", "webhook")
    monkeypatch.setenv("WEBHOOK_SECRET", "not allowed: hunter2")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://pay.example.kg")
    monkeypatch.setenv("SANDBOX_SECRET", "staging-only")
    assert main(["migrate"]) == 2
    assert "LOG_LEVEL: one of DEBUG" in capsys.readouterr().err
    monkeypatch.delenv("LOG_LEVEL")
    assert main(["migrate"]) == 2  # a check of several settings together
    err = capsys.readouterr().err
    assert "WEBHOOK_SECRET: 1-256 characters" in err
    assert "hunter2" not in err and "staging-only" not in err
