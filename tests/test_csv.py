"""CSV import/export of relations: the parser, the writer, and the admin's two-step import."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.admin_support import make_merchandiser
from upcross.adapters import get_adapter
from upcross.csv_io import CsvFormatError, apply_import, parse_relations_csv
from upcross.models import ProductRelation

pytestmark = pytest.mark.django_db

IMPORT = "admin:upcross_productrelation_import"


def key_of(item: Any) -> str:
    return item.sku if factories.is_demo() else item.slug


@pytest.fixture
def items() -> dict[str, Any]:
    cat = factories.category("Tea")
    return {name: factories.product(name, in_category=cat)
            for name in ("Teapot", "Cup", "Saucer", "Kettle")}


def csv_bytes(rows: list[list[Any]], delimiter: str = ",", bom: bool = False) -> bytes:
    text = "\r\n".join(delimiter.join(str(cell) for cell in row) for row in rows) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


# --- the parser --------------------------------------------------------------------------------

@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", True), (";", False),
                                                (",", True)])
def test_utf8_with_or_without_bom_comma_or_semicolon(items: dict[str, Any], delimiter: str,
                                                     bom: bool) -> None:
    teapot, cup, kettle = items["Teapot"], items["Cup"], items["Kettle"]
    data = csv_bytes([["source", "target", "kind", "position"],
                      [key_of(teapot), key_of(cup), "complement", 1],
                      [teapot.pk, kettle.pk, "Upgrade", ""]], delimiter, bom)
    plan = parse_relations_csv(data)
    assert plan.delimiter == delimiter and not plan.invalid_rows
    assert [(r.source_pk, r.target_pk, r.kind, r.position) for r in plan.rows] == [
        (teapot.pk, cup.pk, "complement", 1), (teapot.pk, kettle.pk, "upgrade", None)]


def test_wrong_encoding_is_a_clear_file_error(items: dict[str, Any]) -> None:
    data = "source,target,kind\nthé,café,complement\n".encode("latin-1")
    with pytest.raises(CsvFormatError, match="not UTF-8"):
        parse_relations_csv(data)


@pytest.mark.parametrize(("header", "missing"), [
    ("source,target", "kind"), ("from;to;kind", "source, target"), ("", None)])
def test_missing_columns_are_named(header: str, missing: str | None) -> None:
    with pytest.raises(CsvFormatError) as error:
        parse_relations_csv(f"{header}\nA,B,complement\n".encode() if header else b"  \n")
    if missing:
        assert f"Missing column(s): {missing}." in str(error.value)
    else:
        assert "empty" in str(error.value)


def test_row_errors_unknown_product_self_duplicate_kind_position(items: dict[str, Any]) -> None:
    teapot, cup = key_of(items["Teapot"]), key_of(items["Cup"])
    plan = parse_relations_csv(csv_bytes([
        ["source", "target", "kind", "position"],
        [teapot, cup, "complement", 0],          # line 2: fine
        [teapot, "no-such-thing", "complement", 0],
        [teapot, teapot, "complement", 0],
        [teapot, cup, "complement", 3],          # duplicate of line 2
        [teapot, cup, "sidegrade", 0],
        [teapot, cup, "upgrade", "first"],
        ["", cup, "upgrade", 1],
    ]))
    errors = {row.line: " ".join(row.errors) for row in plan.invalid_rows}
    assert [row.line for row in plan.valid_rows] == [2]
    assert "Unknown suggested product “no-such-thing”" in errors[3]
    assert "cannot be suggested for itself" in errors[4]
    assert "Duplicate of line 2" in errors[5]
    assert "Unknown kind “sidegrade”" in errors[6]
    assert "Position “first” is not a whole number" in errors[7]
    assert "source product is missing" in errors[8]


def test_nothing_is_written_while_a_row_is_invalid(items: dict[str, Any]) -> None:
    plan = parse_relations_csv(csv_bytes([
        ["source", "target", "kind"],
        [key_of(items["Teapot"]), key_of(items["Cup"]), "complement"],
        [key_of(items["Teapot"]), "ghost", "complement"]]))
    with pytest.raises(ValueError, match="1 invalid row"):
        apply_import(plan)
    assert not ProductRelation.objects.exists()
    result = apply_import(plan, skip_invalid=True)
    assert (result.created, result.updated, result.skipped) == (1, 0, 1)
    assert ProductRelation.objects.count() == 1


def test_import_keeps_what_the_file_does_not_say(items: dict[str, Any]) -> None:
    """No status column: a blocked row stays blocked; no origin column: rows become manual."""
    teapot, cup, saucer = items["Teapot"], items["Cup"], items["Saucer"]
    mined = factories.relation(teapot, cup, origin="mined", pair_count=9, position=4)
    blocked = factories.relation(teapot, saucer, status="blocked", origin="mined")
    untouched = factories.relation(cup, saucer, position=7)
    plan = parse_relations_csv(csv_bytes([
        ["source", "target", "kind"],
        [key_of(teapot), key_of(cup), "complement"],
        [key_of(teapot), key_of(saucer), "complement"],
        [key_of(saucer), key_of(teapot), "complement"]]))
    result = apply_import(plan)
    assert (result.created, result.updated) == (1, 2)
    mined.refresh_from_db()
    blocked.refresh_from_db()
    untouched.refresh_from_db()
    assert (mined.origin, mined.position, mined.pair_count) == ("manual", 4, 9)  # no column
    assert (blocked.origin, blocked.status) == ("manual", "blocked")
    assert untouched.position == 7
    unblock = parse_relations_csv(csv_bytes([
        ["source", "target", "kind", "status"],
        [key_of(teapot), key_of(saucer), "complement", "active"]]))
    apply_import(unblock)  # the file says so: the block is lifted
    blocked.refresh_from_db()
    assert blocked.status == "active"


# --- round trip, bounds, hostile cells -------------------------------------

def test_an_export_reads_back_with_status_origin_and_window(merch_client: Client,
                                                           items: dict[str, Any]) -> None:
    import datetime

    from django.utils import timezone

    teapot, cup, saucer, kettle = (items[k] for k in ("Teapot", "Cup", "Saucer", "Kettle"))
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    rows = {
        "blocked": factories.relation(teapot, saucer, status="blocked", origin="mined"),
        "mined": factories.relation(teapot, cup, origin="mined", pair_count=9, position=3),
        "window": factories.relation(cup, kettle, starts_at=start,
                                     ends_at=start + datetime.timedelta(days=7)),
    }
    before = {name: (r.status, r.origin, r.starts_at, r.ends_at, r.position)
              for name, r in rows.items()}
    data = b"".join(merch_client.get(
        reverse("admin:upcross_productrelation_export")).streaming_content)
    plan = parse_relations_csv(data)
    assert not plan.invalid_rows
    result = apply_import(plan)
    assert result.updated == 3
    for name, relation in rows.items():
        relation.refresh_from_db()
        after = (relation.status, relation.origin, relation.starts_at, relation.ends_at,
                 relation.position)
        assert after == before[name], name


def test_a_position_too_large_for_the_column_is_a_row_error(items: dict[str, Any]) -> None:
    plan = parse_relations_csv(csv_bytes([
        ["source", "target", "kind", "position"],
        [key_of(items["Teapot"]), key_of(items["Cup"]), "complement", 99_999_999_999],
        [key_of(items["Teapot"]), key_of(items["Kettle"]), "complement", 2_147_483_647]]))
    assert [row.line for row in plan.invalid_rows] == [2]
    assert "too large" in plan.invalid_rows[0].errors[0]
    apply_import(plan, skip_invalid=True)  # the valid row is written, no DataError
    assert ProductRelation.objects.get().position == 2_147_483_647


def test_a_nul_byte_is_a_clear_file_error(items: dict[str, Any]) -> None:
    data = f"source,target,kind\n{key_of(items['Teapot'])}\x00,x,complement\n".encode()
    with pytest.raises(CsvFormatError, match="NUL character \\(line 2\\)"):
        parse_relations_csv(data)


def test_the_admin_import_answers_a_nul_byte_and_a_huge_position_without_a_500(
        merch_client: Client, items: dict[str, Any]) -> None:
    nul = SimpleUploadedFile("r.csv", b"source,target,kind\nA\x00,B,complement\n",
                             content_type="text/csv")
    response = merch_client.post(reverse(IMPORT), {"file": nul})
    assert response.status_code == 200 and "NUL character" in response.content.decode()
    huge = SimpleUploadedFile("r.csv", csv_bytes([
        ["source", "target", "kind", "position"],
        [key_of(items["Teapot"]), key_of(items["Cup"]), "complement", 10**12]]),
        content_type="text/csv")
    response = merch_client.post(reverse(IMPORT), {"file": huge})
    assert response.status_code == 200 and "too large" in response.content.decode()
    assert not ProductRelation.objects.exists()


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1",
                                  "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_export_escapes_formula_cells_and_import_reads_them_back(
        merch_client: Client, cell: str) -> None:
    from upcross.csv_io import safe_cell, unescape_cell

    assert safe_cell(cell) == "'" + cell and unescape_cell(safe_cell(cell)) == cell
    assert safe_cell("Teapot") == "Teapot" and safe_cell(3) == 3
    if factories.is_demo() and not cell[0].isspace():  # a SKU that starts a formula
        import csv
        import io

        evil, plain = factories.product("Evil"), factories.product("Plain")
        evil.sku = cell
        evil.save()
        factories.relation(evil, plain)
        data = b"".join(merch_client.get(
            reverse("admin:upcross_productrelation_export")).streaming_content)
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[1][0] == "'" + cell  # a spreadsheet shows it as text
        plan = parse_relations_csv(data)
        assert [row.source_pk for row in plan.rows] == [evil.pk]


def test_lookup_fields_come_from_settings(items: dict[str, Any], settings: Any) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "CSV_LOOKUP_FIELDS": ["slug"]}
    teapot, cup = items["Teapot"], items["Cup"]
    plan = parse_relations_csv(csv_bytes([["source", "target", "kind"],
                                          [teapot.slug, cup.slug, "complement"],
                                          [teapot.pk, cup.pk, "complement"]]))
    assert [row.line for row in plan.valid_rows] == [2]
    assert "looked up by slug" in plan.invalid_rows[0].errors[0]


# --- the admin: upload, preview, confirm; export ------------------------------------------------

@pytest.fixture
def merch_client(client: Client) -> Client:
    client.force_login(make_merchandiser())
    return client


def upload(client: Client, data: bytes, **extra: Any) -> Any:
    return client.post(reverse(IMPORT), {
        "file": SimpleUploadedFile("relations.csv", data, content_type="text/csv"), **extra})


def token_of(response: Any) -> str:
    match = re.search(r'name="token" value="([0-9a-f]{32})"', response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


def test_admin_import_preview_then_confirm(merch_client: Client, items: dict[str, Any]) -> None:
    teapot, cup, saucer = (key_of(items[name]) for name in ("Teapot", "Cup", "Saucer"))
    good = csv_bytes([["source", "target", "kind", "position"],
                      [teapot, cup, "complement", 1], [teapot, saucer, "complement", 2]],
                     ";", bom=True)
    assert merch_client.get(reverse(IMPORT)).status_code == 200
    preview = upload(merch_client, good)
    assert preview.status_code == 200
    assert "2 row(s) read: 2 valid, 0 with errors." in preview.content.decode()
    assert not ProductRelation.objects.exists()  # a preview writes nothing
    done = merch_client.post(reverse(IMPORT), {"token": token_of(preview)}, follow=True)
    assert "Imported 2 new and 0 updated relation(s)" in done.content.decode()
    assert list(ProductRelation.objects.order_by("position").values_list(
        "target__pk", "origin", "position")) == [
        (items["Cup"].pk, "manual", 1), (items["Saucer"].pk, "manual", 2)]


def test_each_preview_waits_in_a_private_folder_of_its_own(
        merch_client: Client, items: dict[str, Any]) -> None:
    import os
    import stat
    import tempfile
    from pathlib import Path

    data = csv_bytes([["source", "target", "kind"],
                      [key_of(items["Teapot"]), key_of(items["Cup"]), "complement"]])
    tokens = [token_of(upload(merch_client, data)) for _ in range(2)]
    folders = [next(Path(tempfile.gettempdir()).glob(f"upcross-import-*-{t}")) for t in tokens]
    assert folders[0] != folders[1]
    for folder in folders:
        info = folder.lstat()
        assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700
        assert info.st_uid == os.getuid()
        assert stat.S_IMODE((folder / "upload.csv").stat().st_mode) == 0o600
    merch_client.post(reverse(IMPORT), {"token": tokens[0]})
    assert not folders[0].exists()  # confirmed: gone
    # A folder another account (or a world-writable one) planted is never read.
    folders[1].chmod(0o755)
    refused = merch_client.post(reverse(IMPORT), {"token": tokens[1]}, follow=True)
    assert "expired" in refused.content.decode()
    folders[1].chmod(0o700)


def test_admin_import_with_bad_rows_writes_nothing_unless_told(
        merch_client: Client, items: dict[str, Any]) -> None:
    teapot, cup = key_of(items["Teapot"]), key_of(items["Cup"])
    data = csv_bytes([["source", "target", "kind"], [teapot, cup, "complement"],
                      [teapot, teapot, "complement"], [teapot, "ghost", "upgrade"]])
    preview = upload(merch_client, data)
    html = preview.content.decode()
    assert "3 row(s) read: 1 valid, 2 with errors." in html
    assert "cannot be suggested for itself" in html and "Unknown suggested product" in html
    token = token_of(preview)
    refused = merch_client.post(reverse(IMPORT), {"token": token})
    assert "Nothing was imported" in refused.content.decode()
    assert not ProductRelation.objects.exists()
    merch_client.post(reverse(IMPORT), {"token": token, "skip_invalid": "on"})
    assert ProductRelation.objects.count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ("source,target,kind\nthé,café,complement\n".encode("cp1252"), "not UTF-8"),
    (b"source,target\n1,2\n", "Missing column(s): kind."),
    (b"", "The submitted file is empty."),
])
def test_admin_import_file_errors_are_form_errors(merch_client: Client, data: bytes,
                                                  message: str) -> None:
    response = upload(merch_client, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ProductRelation.objects.exists()


def test_admin_import_rejects_foreign_or_expired_tokens(merch_client: Client) -> None:
    for token in ("../../etc/passwd", "0" * 32):
        response = merch_client.post(reverse(IMPORT), {"token": token}, follow=True)
        assert response.status_code == 200
        assert "This import expired" in response.content.decode()


def test_export_round_trips_through_import(merch_client: Client, items: dict[str, Any]) -> None:
    teapot, cup, kettle = items["Teapot"], items["Cup"], items["Kettle"]
    factories.relation(teapot, cup, position=2)
    factories.relation(teapot, kettle, kind="upgrade", origin="mined", pair_count=4, lift=1.5)
    response = merch_client.get(reverse("admin:upcross_productrelation_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    data = b"".join(response.streaming_content)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == ("source,target,kind,position,origin,status,starts_at,"
                                    "ends_at,pair_count,confidence,lift")
    assert f"{key_of(teapot)},{key_of(cup)},complement,2,manual,active,," in text
    filtered = merch_client.get(reverse("admin:upcross_productrelation_export"),
                                {"kind": "upgrade"})
    assert b"complement" not in b"".join(filtered.streaming_content)
    ProductRelation.objects.all().delete()
    plan = parse_relations_csv(data)
    assert not plan.invalid_rows
    apply_import(plan)
    assert set(ProductRelation.objects.values_list("target__pk", "kind", "position")) == {
        (cup.pk, "complement", 2), (kettle.pk, "upgrade", 0)}


def test_export_selected_action(merch_client: Client, items: dict[str, Any]) -> None:
    chosen = factories.relation(items["Teapot"], items["Cup"])
    factories.relation(items["Teapot"], items["Saucer"])
    response = merch_client.post(reverse("admin:upcross_productrelation_changelist"), {
        "action": "export_selected", "_selected_action": [chosen.pk]})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and key_of(items["Cup"]) in lines[1]


# --- scale ----------------------------------------------------------------------------------------

def test_fifty_thousand_rows_import_fast(merch_client: Client) -> None:
    """50,000 rows: parsed, resolved in bulk and written in one transaction.

    The 30 s bound is asserted on SQLite (the issue's figure); other databases print
    their timing.
    """
    cat = factories.category("Bulk")
    products = [factories.product(f"Bulk {n}", in_category=cat) for n in range(230)]
    keys = [key_of(item) for item in products]
    rows = [["source", "target", "kind", "position"]]
    for i, source in enumerate(keys):
        for j, target in enumerate(keys):
            if i != j and len(rows) <= 50_000:
                rows.append([source, target, "complement", j % 10])
    data = csv_bytes(rows)
    assert len(rows) - 1 == 50_000
    started = time.perf_counter()
    preview = upload(merch_client, data)
    assert "50000 row(s) read: 50000 valid, 0 with errors." in preview.content.decode()
    done = merch_client.post(reverse(IMPORT), {"token": token_of(preview)})
    elapsed = time.perf_counter() - started
    assert done.status_code == 302
    assert ProductRelation.objects.count() == 50_000
    vendor = connection.vendor
    print(f"\n50,000-row CSV import (preview + confirm) on {vendor}: {elapsed:.1f} s")
    if vendor == "sqlite":
        assert elapsed < 30, f"{elapsed:.1f} s"
    assert get_adapter() is not None and settings.UPCROSS_TEST_SHOP
