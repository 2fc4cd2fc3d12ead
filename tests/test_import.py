"""import-sales (DESIGN.md §4): every rule names its line and field; a rejected file changes
nothing; an identical sale again is a no-op; card numbers never get in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from cashier_tui.importer import ImportFailed, import_sales
from cashier_tui.storage.db import read_tx
from cashier_tui.storage.models import Sale, SaleLine, Tender
from tests.import_fixtures import dump, sale, write_jsonl

CARD = "looks like a full card number"


def _top(key, value):
    def mutate(s):
        if value is _DEL:
            del s[key]
        else:
            s[key] = value
    return mutate


def _line(key, value):
    def mutate(s):
        if value is _DEL:
            del s["lines"][0][key]
        else:
            s["lines"][0][key] = value
    return mutate


def _pay(key, value, index=0):
    def mutate(s):
        if value is _DEL:
            del s["payments"][index][key]
        else:
            s["payments"][index][key] = value
    return mutate


_DEL = object()

# (mutation of sale 2, the field named, a piece of the message)
BROKEN = {
    "receipt-lower": (_top("receipt_no", "s01-t02-20261120-0002"), "receipt_no",
                      '"S01-T02-20261120-0002"'),
    "receipt-fullwidth": (_top("receipt_no", "Ｓ０１-T02-20261120-0002"), "receipt_no",
                          "canonical form"),
    "receipt-spaces": (_top("receipt_no", " S01-T02-20261120-0002 "), "receipt_no",
                       "canonical form"),
    "receipt-charset": (_top("receipt_no", "S01_T02"), "receipt_no", "A-Z, 0-9 and '-'"),
    "receipt-too-long": (_top("receipt_no", "A" * 41), "receipt_no", "1-40"),
    "receipt-missing": (_top("receipt_no", _DEL), "receipt_no", "required"),
    "receipt-number": (_top("receipt_no", 42), "receipt_no", "string"),
    "receipt-card": (_top("receipt_no", "4111111111111111"), "receipt_no", CARD),
    "sold_at-no-offset": (_top("sold_at", "2026-11-20T14:03:00"), "sold_at", "UTC offset"),
    "sold_at-date-only": (_top("sold_at", "2026-11-20"), "sold_at", "UTC offset"),
    "sold_at-garbage": (_top("sold_at", "yesterday"), "sold_at", "ISO 8601"),
    "sold_at-missing": (_top("sold_at", _DEL), "sold_at", "required"),
    "store-empty": (_top("store", "  "), "store", "empty"),
    "store-too-long": (_top("store", "S" * 21), "store", "longer than 20"),
    "till-missing": (_top("till", _DEL), "till", "required"),
    "cashier-number": (_top("cashier", 7), "cashier", "string"),
    "currency-unknown": (_top("currency", "XYZ"), "currency", "ISO 4217"),
    "currency-lower": (_top("currency", "cny"), "currency", "ISO 4217"),
    "currency-number": (_top("currency", 156), "currency", "ISO 4217"),
    "status-unknown": (_top("status", "refunded"), "status", "completed or voided"),
    "status-missing": (_top("status", _DEL), "status", "completed or voided"),
    "unknown-field": (_top("customer", "Li Lei"), "customer", "unknown field"),
    "lines-missing": (_top("lines", _DEL), "lines", "required"),
    "lines-empty": (_top("lines", []), "lines", "non-empty list"),
    "lines-not-list": (_top("lines", "x"), "lines", "non-empty list"),
    "line-not-object": (_top("lines", [1]), "lines[0]", "object"),
    "sku-missing": (_line("sku", _DEL), "lines[0].sku", "required"),
    "sku-empty": (_line("sku", ""), "lines[0].sku", "empty"),
    "sku-too-long": (_line("sku", "1" * 41), "lines[0].sku", "longer than 40"),
    "name-missing": (_line("name", _DEL), "lines[0].name", "required"),
    "name-card": (_line("name", "gift card 4111 1111 1111 1111"), "lines[0].name", CARD),
    "qty-zero": (_line("qty", 0), "lines[0].qty", "1 to"),
    "qty-negative": (_line("qty", -1), "lines[0].qty", "1 to"),
    "qty-float": (_line("qty", 1.5), "lines[0].qty", "whole number"),
    "qty-float-whole": (_line("qty", 2.0), "lines[0].qty", "whole number"),
    "qty-string": (_line("qty", "2"), "lines[0].qty", "whole number"),
    "qty-bool": (_line("qty", True), "lines[0].qty", "whole number"),
    "qty-huge": (_line("qty", 10**7), "lines[0].qty", "1 to"),
    "qty-missing": (_line("qty", _DEL), "lines[0].qty", "required"),
    "unit_price-json-number": (_line("unit_price", 59), "lines[0].unit_price", "JSON number"),
    "unit_price-json-float": (_line("unit_price", 59.0), "lines[0].unit_price", "JSON number"),
    "unit_price-decimals": (_line("unit_price", "59.001"), "lines[0].unit_price",
                            "at most 2 decimals"),
    "unit_price-negative": (_line("unit_price", "-59.00"), "lines[0].unit_price", "negative"),
    "unit_price-symbol": (_line("unit_price", "¥59.00"), "lines[0].unit_price",
                          "decimal string"),
    "unit_price-comma": (_line("unit_price", "59,00"), "lines[0].unit_price", "decimal string"),
    "unit_price-missing": (_line("unit_price", _DEL), "lines[0].unit_price", "required"),
    "unit_price-card": (_line("unit_price", "4111111111111111"), "lines[0].unit_price", CARD),
    "discount-over-gross": (_line("discount", "200.00"), "lines[0].discount",
                            "more than qty x unit_price"),
    "discount-json-number": (_line("discount", 10), "lines[0].discount", "JSON number"),
    "tax_rate-number": (_line("tax_rate", 0.13), "lines[0].tax_rate", "decimal string"),
    "tax_rate-percent": (_line("tax_rate", "13%"), "lines[0].tax_rate", "decimal string"),
    "line-unknown-field": (_line("colour", "red"), "lines[0].colour", "unknown field"),
    "payments-missing": (_top("payments", _DEL), "payments", "required"),
    "payments-empty": (_top("payments", []), "payments", "non-empty list"),
    "method-unknown": (_pay("method", "bitcoin"), "payments[0].method", "one of card"),
    "method-missing": (_pay("method", _DEL), "payments[0].method", "one of card"),
    "amount-zero": (lambda s: (s["payments"][0].update(amount="0.00"),
                               s["payments"][1].update(amount="108.00")),
                    "payments[0].amount", "more than zero"),
    "amount-json-number": (_pay("amount", 60), "payments[0].amount", "JSON number"),
    "amount-missing": (_pay("amount", _DEL), "payments[0].amount", "required"),
    "reference-missing-card": (_pay("reference", _DEL), "payments[0].reference", "required"),
    "reference-empty": (_pay("reference", ""), "payments[0].reference", "empty"),
    "reference-card": (_pay("reference", "4111-1111-1111-1111"), "payments[0].reference", CARD),
    "last4-short": (_pay("card_last4", "432"), "payments[0].card_last4", "exactly 4 digits"),
    "last4-number": (_pay("card_last4", 4321), "payments[0].card_last4", "exactly 4 digits"),
    "last4-full-number": (_pay("card_last4", "4111111111111111"), "payments[0].card_last4",
                          "exactly 4 digits"),
    "last4-not-card": (lambda s: s["payments"][1].update(card_last4="1234"),
                       "payments[1].card_last4", "only a card payment"),
    "settled-string": (_pay("settled", "yes"), "payments[0].settled", "true or false"),
    "payment-unknown-field": (_pay("tip", "1.00"), "payments[0].tip", "unknown field"),
    "sum-mismatch": (_pay("amount", "59.00"), "payments", "add up to 107.00"),
    "jpy-decimals": (lambda s: (s.update(currency="JPY"), s["lines"][0].update(discount="10"),
                                s["payments"][0].update(amount="60"),
                                s["payments"][1].update(amount="48")),
                     "lines[0].unit_price", "JPY amounts have at most 0"),
}


EXAMPLES = Path(__file__).parent.parent / "data" / "examples"
BROKEN_EXAMPLES = {
    "broken_card_number.jsonl": [(1, "payments[0].reference")],
    "broken_json_number.jsonl": [(1, "lines[0].unit_price")],
    "broken_totals.jsonl": [(1, "payments")],
    "broken_mixed.jsonl": [(2, "receipt_no"), (2, "sold_at"), (2, "lines[0].qty"),
                           (2, "lines[0].unit_price"), (2, "payments[0].reference"),
                           (3, "receipt_no")],
}


def test_example_files(engine):
    assert import_sales(engine, EXAMPLES / "sales_small.jsonl").added == 5
    before = dump(engine)
    for name, expected in BROKEN_EXAMPLES.items():
        with pytest.raises(ImportFailed) as failed:
            import_sales(engine, EXAMPLES / name)
        assert [(e.line, e.field) for e in failed.value.errors] == expected, name
    assert dump(engine) == before
    assert sorted(p.name for p in EXAMPLES.glob("broken_*.jsonl")) == sorted(BROKEN_EXAMPLES)


def _file_with(tmp_path, mutate):
    broken = sale(2)
    mutate(broken)
    return write_jsonl(tmp_path / "sales.jsonl", [sale(1), broken, sale(3)])


@pytest.fixture
def seeded(engine, tmp_path):
    """A database already holding sale 1 (so a rejected file could have left traces)."""
    import_sales(engine, write_jsonl(tmp_path / "seed.jsonl", [sale(1)]))
    return engine


@pytest.mark.parametrize("case", BROKEN)
def test_each_rule_names_line_and_field_and_changes_nothing(seeded, tmp_path, case):
    mutate, field, message = BROKEN[case]
    before = dump(seeded)
    with pytest.raises(ImportFailed) as failed:
        import_sales(seeded, _file_with(tmp_path, mutate))
    assert [(e.line, e.field) for e in failed.value.errors] == [(2, field)]
    assert message in failed.value.errors[0].message
    assert dump(seeded) == before


@pytest.mark.parametrize("line", [
    "{not json", "[1, 2]", '"a sale"', '{"receipt_no": "\\ud800"}',
])
def test_a_line_that_is_not_a_sale_object(seeded, tmp_path, line):
    path = write_jsonl(tmp_path / "bad.jsonl", [sale(1), line])
    before = dump(seeded)
    with pytest.raises(ImportFailed) as failed:
        import_sales(seeded, path)
    assert {e.line for e in failed.value.errors} == {2}
    assert dump(seeded) == before


@pytest.mark.parametrize(("line", "where"), [
    ('{"receipt_no": "A1"', "at the end of the line (column 20)"),  # cut short
    ('{"receipt_no": "A1",, "x": 1}', "at column 21"),
    ('{"receipt_no": "保温杯保温杯", "x": 1,, "y": 2}', "at column 33"),  # characters
])
def test_a_json_error_names_the_column_of_the_line(seeded, tmp_path, line, where):
    """The column is counted on the line itself, in characters: a line cut short is wrong at
    its end, not at "column 1" of a line after it (issue 16.12), with LF or CRLF endings."""
    for ending in (b"\n", b"\r\n"):
        path = tmp_path / "bad.jsonl"
        path.write_bytes(line.encode("utf-8") + ending)
        with pytest.raises(ImportFailed) as failed:
            import_sales(seeded, path)
        [error] = failed.value.errors
        assert (error.line, error.field) == (1, "(line)")
        assert error.message.endswith(where), error.message


def test_bytes_that_are_not_utf8(seeded, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"receipt_no": "caf\xe9"}\n')
    with pytest.raises(ImportFailed) as failed:
        import_sales(seeded, path)
    assert [(e.line, e.field) for e in failed.value.errors] == [(1, "(line)")]


def test_card_numbers_are_never_echoed(engine, tmp_path):
    path = write_jsonl(tmp_path / "cards.jsonl", [
        sale(1, cashier="4111111111111111"),
        sale(2, lines=[{**sale()["lines"][0], "name": "card 5555-5555-5555-4444 kept"}]),
    ])
    with pytest.raises(ImportFailed) as failed:
        import_sales(engine, path)
    text = " ".join(str(e) for e in failed.value.errors)
    assert [(e.line, e.field) for e in failed.value.errors] == [
        (1, "cashier"), (2, "lines[0].name")]
    assert "4111" not in text and "5555" not in text


def test_ean13_sku_and_long_wallet_references_are_not_card_numbers(engine, tmp_path):
    record = sale(1)
    record["lines"][0]["sku"] = "6901234567892"  # an EAN-13 that passes Luhn
    record["lines"][0]["name"] = "code 6901234567891 (fails Luhn)"
    record["payments"][1] = {"method": "wechat", "amount": "48.00",
                             "reference": "4200001234202611201234567890"}  # 28 digits
    assert import_sales(engine, write_jsonl(tmp_path / "ok.jsonl", [record])).added == 1


def test_duplicate_receipt_inside_the_file(engine, tmp_path):
    path = write_jsonl(tmp_path / "dup.jsonl", [sale(1), sale(2), sale(1)])
    with pytest.raises(ImportFailed) as failed:
        import_sales(engine, path)
    [error] = failed.value.errors
    assert (error.line, error.field) == (3, "receipt_no")
    assert "line 1" in error.message
    assert dump(engine)["sale"] == []


def test_identical_reimport_is_a_no_op(seeded, tmp_path):
    before = dump(seeded)
    # the same content written differently: key order, "60.0", defaults spelled out
    same = sale(1)
    same["payments"][0]["amount"] = "60.0"
    same["payments"][1]["settled"] = True
    same = dict(reversed(list(same.items())))
    report = import_sales(seeded, write_jsonl(tmp_path / "again.jsonl", [same, sale(4)]))
    assert (report.added, report.unchanged, report.total) == (1, 1, 2)
    assert dump(seeded)["sale"][0] == before["sale"][0]


def test_different_sale_under_a_stored_receipt_no(seeded, tmp_path):
    changed = sale(1)
    changed["lines"][0]["name"] = "another cup"
    before = dump(seeded)
    with pytest.raises(ImportFailed) as failed:
        import_sales(seeded, write_jsonl(tmp_path / "changed.jsonl", [sale(5), changed]))
    [error] = failed.value.errors
    assert (error.line, error.field) == (2, "receipt_no")
    assert "different content" in error.message
    assert dump(seeded) == before


def test_every_problem_is_reported_not_just_the_first(engine, tmp_path):
    records = [sale(i, status="x") for i in range(1, 1201)]
    with pytest.raises(ImportFailed) as failed:
        import_sales(engine, write_jsonl(tmp_path / "many.jsonl", records))
    assert failed.value.count == 1200  # all counted; the first 1000 kept with their text
    assert [e.line for e in failed.value.errors] == list(range(1, 1001))


def test_stored_values(engine, tmp_path):
    record = sale(1)
    del record["lines"][0]["tax_rate"]
    record["lines"].append({"sku": "X1", "name": "bag", "qty": 1, "unit_price": "10",
                            "tax_rate": "0.060"})
    record["payments"][1]["amount"] = "58.00"
    import_sales(engine, write_jsonl(tmp_path / "one.jsonl", [record]))
    with read_tx(engine) as s:
        row = s.exec(select(Sale)).one()
        lines = s.exec(select(SaleLine).order_by(SaleLine.line_no)).all()
        tenders = s.exec(select(Tender).order_by(Tender.seq)).all()
        s.expunge_all()
    assert row.sold_at.replace(tzinfo=UTC) == datetime(2026, 11, 20, 6, 3, tzinfo=UTC)
    with engine.connect() as conn:  # the very text SQLAlchemy writes, so ranges compare right
        assert conn.exec_driver_sql("SELECT sold_at FROM sale").scalar() == \
            "2026-11-20 06:03:00.000000"
    assert (row.utc_offset_min, row.total, row.status, row.currency) == (480, 11800,
                                                                         "completed", "CNY")
    assert len(row.source_hash) == 64
    assert [(x.line_no, x.qty, x.unit_price, x.discount, x.net, x.tax_rate) for x in lines] == [
        (1, 2, 5900, 1000, 10800, None), (2, 1, 1000, 0, 1000, "0.060")]
    assert [(t.seq, t.method, t.amount, t.reference, t.card_last4, t.settled)
            for t in tenders] == [(1, "card", 6000, "AUTH123456", "4321", True),
                                  (2, "cash", 5800, None, None, True)]


def test_blank_lines_bom_and_progress(engine, tmp_path):
    path = tmp_path / "bom.jsonl"
    write_jsonl(path, [sale(1), "", sale(2)])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    seen = []
    report = import_sales(engine, path, progress=lambda n, f: seen.append((n, f)))
    assert report.added == 2
    assert seen[-1] == (3, 1.0)


def test_empty_file(engine, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    assert import_sales(engine, path).total == 0


@pytest.mark.postgres
def test_postgres_import_reimport_and_ids(pg_server, tmp_path):
    from cashier_tui.storage.db import make_engine, write_tx
    from cashier_tui.storage.migrate import upgrade

    eng = make_engine(pg_server.create_database("import_pg"))
    upgrade(eng)
    try:
        path = write_jsonl(tmp_path / "pg.jsonl", [sale(i) for i in range(1, 2501)])
        assert import_sales(eng, path).added == 2500
        assert import_sales(eng, path).unchanged == 2500
        with write_tx(eng) as s:  # the id sequence moved past the imported ids
            s.add(Sale(receipt_no="X", sold_at=datetime.now(UTC), store="S", till="T",
                       cashier="C", currency="CNY", status="completed", total=1,
                       source_hash="0" * 64))
        with read_tx(eng) as s:
            assert s.exec(select(Sale.id).where(Sale.receipt_no == "X")).one() > 2500
    finally:
        eng.dispose()
