"""Exports: the rows of a registered list under a profile, streamed as CSV or written by
openpyxl's write-only mode, and the audit row saying who exported what, how and with which
filters."""

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime

from openpyxl import Workbook

from cso_field import audit
from cso_field.exports.profiles import Profile, kept_fields, scrub
from cso_field.extensions import db
from cso_field.records.registry import ExportField, ExportSource, Personal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def header(source: ExportSource, profile: Profile) -> list[str]:
    return [item.name for item in kept_fields(source.fields, profile)]


def rows(source: ExportSource, profile: Profile, args: dict) -> Iterator[list]:
    """Each exported record as a list of cells, ready for a spreadsheet. What each column
    does (redaction, formula guard) is decided once per export, not per cell. The rows
    arrive in batches (yield_per: a server-side cursor on PostgreSQL) and the session holds
    records weakly, so a written record is let go: memory stays flat."""
    columns = [column(item, profile) for item in kept_fields(source.fields, profile)]
    for record in source.rows(args):
        yield [value(record) for value in columns]


def _safe(value):
    """A cell a spreadsheet will not run as a formula (CSV injection); dates as ISO text."""
    if isinstance(value, str):
        return "'" + value if value[:1] in FORMULA_STARTS else value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))


def column(item: ExportField, profile: Profile) -> Callable[[object], object]:
    """The function giving one column's cell of a record: the field's value (None as ""),
    blotted out when the profile scrubs this field's free text, made spreadsheet-safe."""
    value = item.value
    if profile.scrub_text and item.personal == Personal.FREE_TEXT:

        def scrubbed(record):
            found = value(record)
            if found is None:
                return ""
            return _safe(scrub(found) if isinstance(found, str) else found)

        return scrubbed

    def plain(record):
        found = value(record)
        return "" if found is None else _safe(found)

    return plain


def csv_lines(source: ExportSource, profile: Profile, args: dict) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header(source, profile))
    for row in rows(source, profile, args):
        writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_stream(app, source: ExportSource, profile: Profile, args: dict) -> Iterator[str]:
    """The CSV in an application context of its own: the response is sent after the view
    has returned (as surveys.results.csv_stream). The first chunk, sent before the context
    opens, is the byte order mark that makes spreadsheet programs read UTF-8."""
    yield "\ufeff"
    with app.app_context():
        yield from csv_lines(source, profile, args)


def xlsx_file(source: ExportSource, profile: Profile, args: dict):
    """The export as an XLSX temporary file (write-only mode streams rows to disk); the
    caller sends it and it is removed when closed."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(source.name[:31])
    sheet.append(header(source, profile))
    for row in rows(source, profile, args):
        sheet.append(row)
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by send_file)
    book.save(handle)
    handle.seek(0)
    return handle


def audit_export(source: ExportSource, profile: Profile, kind: str, args: dict) -> None:
    """The audit row of an export: the list, the profile, the format and the filters."""
    filters = json.dumps(source.filters(args), sort_keys=True, default=str, ensure_ascii=False)
    audit.record(
        "export.create",
        object_type="export",
        object_id=source.name,
        detail=f"profile={profile.name} format={kind} filters={filters}",
    )
    db.session.commit()
