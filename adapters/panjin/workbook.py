"""Reading the sheets of an ``.xlsx`` upload, within fixed bounds.

An ``.xlsx`` file is a zip of XML parts. This reader streams the parts it
needs (``xml.etree.ElementTree.iterparse``) rather than loading the workbook
with openpyxl, for three reasons: its bounds are checked before anything is
inflated (a zip bomb is refused from its directory), openpyxl's streaming
mode does not report merged cells, and it does not know the Chinese built-in
date formats (ids 27–36 and 50–58) that workbooks saved by a Chinese Excel
or WPS use. Only the sheets asked for are read.

Bounds (each a 400 naming it, never a stalled worker):

* at most ``MAX_PARTS`` files in the zip; a part whose declared size is over
  ``MAX_PART_BYTES`` is refused before it is inflated, and reading stops
  there if the declaration lied;
* at most ``MAX_ROWS`` rows per sheet (rows as the file lists them: a
  million formatted empty rows are refused after ``MAX_ROWS``); a sheet's
  reading stops at the row ``stop`` says ends its data;
* at most ``MAX_STRINGS`` different texts in the workbook;
* columns past ``MAX_COLUMNS`` are ignored.

What a cell holds comes back as ``str``, ``int``, ``float``, ``bool``,
``datetime`` (a number in a date format, naive: the office's wall clock), a
``Formula`` or an ``ExcelError``; empty cells are absent.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Literal

from hub.errors import AdapterError

MAX_PARTS = 1_000
MAX_PART_BYTES = 48 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 64
MAX_STRINGS = 1_000_000

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_OFFICE_DOCUMENT = "/officeDocument"
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
# Built-in number formats that are dates or times: the international ones
# (14–22, 45–47) and those of Chinese, Japanese and Korean Excel (27–36, 50–58).
_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)

@dataclass(frozen=True, slots=True)
class Formula:
    """A cell computed by a formula: the hub takes typed values only."""

    text: str


@dataclass(frozen=True, slots=True)
class ExcelError:
    """A cell showing an Excel error (``#N/A``, ``#REF!``)."""

    code: str


@dataclass(slots=True)
class Sheet:
    name: str
    # (row number as Excel shows it, {column number from 1: value}), empty rows left out.
    rows: list[tuple[int, dict[int, object]]] = field(default_factory=list)


class _Merges:
    """Merged ranges by column: the top-left value belongs to every cell of the range."""

    def __init__(self) -> None:
        self._by_column: dict[int, list[tuple[int, int, int, int]]] = {}

    def add(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        a, b = _cell_ref(first), _cell_ref(last or first)
        if a is None or b is None:
            return
        (c1, r1), (c2, r2) = a, b
        for column in range(max(1, c1), min(c2, MAX_COLUMNS) + 1):
            self._by_column.setdefault(column, []).append((r1, r2, c1, column))

    def fill(self, rows: list[tuple[int, dict[int, object]]]) -> None:
        """Copy each range's value into the listed rows (rows holding nothing else stay empty)."""
        if not self._by_column:
            return
        by_row = dict(rows)
        for ranges in self._by_column.values():
            ranges.sort()
        starts = {column: [r[0] for r in ranges] for column, ranges in self._by_column.items()}
        for number, cells in rows:
            for column, ranges in self._by_column.items():
                if column in cells:
                    continue
                i = bisect_right(starts[column], number) - 1
                if i < 0:
                    continue
                r1, r2, c1, _ = ranges[i]
                if r1 < number <= r2:
                    value = by_row.get(r1, {}).get(c1)
                    if value is not None:
                        cells[column] = value


def read_sheets(
    body: bytes,
    wanted: tuple[str, ...],
    stopper: Callable[[], Callable[[dict[int, object]], bool]],
    platform: str,
) -> dict[str, Sheet]:
    """The sheets named in ``wanted`` (those present), or ``AdapterError`` saying what was received.

    ``stopper()`` gives each sheet a fresh ``stop(cells)``, called on each
    non-empty row in order: once it is true, the rows after it are not read.
    """
    archive = _open_zip(body, platform)
    with archive:
        workbook_path = _workbook_path(archive, platform)
        sheets, date1904 = _sheet_paths(archive, workbook_path, platform)
        chosen = {name: path for name, path in sheets.items() if name in wanted}
        if not chosen:
            shown = ", ".join(repr(n[:20]) for n in list(sheets)[:5]) or "none"
            raise AdapterError(f"{platform}: the workbook has no sheet named "
                               f"{' or '.join(wanted)} (its sheets: {shown})")
        base = posixpath.dirname(workbook_path)
        relations = _relations(archive, workbook_path, platform)
        strings = _shared_strings(archive, relations, base, platform)
        date_styles = _date_styles(archive, relations, base, platform)
        epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        return {
            name: _read_sheet(archive, name, path, strings, date_styles, epoch, stopper(), platform)
            for name, path in chosen.items()
        }


# ---------------------------------------------------------------- the zip


def _open_zip(body: bytes, platform: str) -> zipfile.ZipFile:
    expected = "expected an .xlsx workbook (Excel 工作簿) without a password"
    if body.startswith(_OLE2):
        raise AdapterError(f"{platform}: received an Excel 97-2003 .xls file or a password-protected "
                           f"workbook; {expected}: save it as .xlsx, without a password")
    if not body.startswith(_ZIP):
        raise AdapterError(f"{platform}: received {_describe(body)}, not a workbook; {expected}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise AdapterError(f"{platform}: received a damaged or incomplete .xlsx file "
                           f"({len(body)} bytes); send the whole file again") from exc
    if len(parts) > MAX_PARTS:
        archive.close()
        raise AdapterError(f"{platform}: the file holds {len(parts)} parts (at most {MAX_PARTS}); {expected}")
    if any(p.flag_bits & 0x1 for p in parts):
        archive.close()
        raise AdapterError(f"{platform}: received an encrypted zip file; {expected}")
    return archive


def _describe(body: bytes) -> str:
    """What a body that is not a zip looks like, without quoting it (it may hold personal data)."""
    if not body:
        return "an empty body"
    head = body[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("gb18030")
        except UnicodeDecodeError:
            return f"{len(body)} bytes of binary data"
    if text.lstrip().startswith(("{", "[")):
        return f"{len(body)} bytes of JSON"
    if text.lstrip().startswith("<"):
        return f"{len(body)} bytes of XML or HTML"
    if "," in text or "\t" in text:
        return f"{len(body)} bytes of text (a CSV file?)"
    return f"{len(body)} bytes of text"


class _Bounded(io.RawIOBase):
    """A part's bytes, refusing to inflate past ``MAX_PART_BYTES`` whatever its header said."""

    def __init__(self, raw: IO[bytes], name: str, platform: str) -> None:
        self._raw = raw
        self._left = MAX_PART_BYTES
        self._name = name
        self._platform = platform

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(min(len(buffer), 1 << 16))
        self._left -= len(data)
        if self._left < 0:
            raise AdapterError(_too_large(self._platform, self._name))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _too_large(platform: str, name: str) -> str:
    return (f"{platform}: the part {name!r} of the workbook inflates to more than "
            f"{MAX_PART_BYTES // (1024 * 1024)} MiB; send a smaller workbook")


def _open_part(archive: zipfile.ZipFile, name: str, platform: str) -> IO[bytes]:
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise AdapterError(f"{platform}: the workbook lacks its part {name!r}") from exc
    if info.file_size > MAX_PART_BYTES:
        raise AdapterError(_too_large(platform, name))
    return io.BufferedReader(_Bounded(archive.open(info), name, platform))


def _events(archive: zipfile.ZipFile, name: str, platform: str,
            events: tuple[Literal["start", "end"], ...] = ("end",)) -> Iterator[tuple[str, ET.Element]]:
    """``iterparse`` over a part, its failures translated (expat refuses entity bombs)."""
    try:
        with _open_part(archive, name, platform) as stream:
            yield from ET.iterparse(stream, events=events)
    except AdapterError:
        raise
    except (ET.ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise AdapterError(f"{platform}: the workbook's part {name!r} is damaged or incomplete; "
                           "send the whole file again") from exc


@functools.lru_cache(maxsize=256)
def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attr(elem: ET.Element, name: str) -> str | None:
    """An attribute by local name (relationship ids carry a namespace)."""
    for key, value in elem.attrib.items():
        if _local(key) == name:
            return value
    return None


# ---------------------------------------------------------------- workbook structure


def _workbook_path(archive: zipfile.ZipFile, platform: str) -> str:
    names = set(archive.namelist())
    if "_rels/.rels" in names:
        for _, elem in _events(archive, "_rels/.rels", platform):
            if _local(elem.tag) == "Relationship" and (elem.get("Type") or "").endswith(_OFFICE_DOCUMENT):
                target = (elem.get("Target") or "").lstrip("/")
                if target in names:
                    return target
    if "xl/workbook.xml" in names:
        return "xl/workbook.xml"
    raise AdapterError(f"{platform}: received a zip file that is not an Excel workbook; "
                       "expected an .xlsx workbook (Excel 工作簿)")


def _relations(archive: zipfile.ZipFile, part: str, platform: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type's last word, part path) of ``part``."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels not in archive.namelist():
        return {}
    out: dict[str, tuple[str, str]] = {}
    base = posixpath.dirname(part)
    for _, elem in _events(archive, rels, platform):
        if _local(elem.tag) != "Relationship" or elem.get("TargetMode") == "External":
            continue
        target = elem.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[elem.get("Id") or ""] = ((elem.get("Type") or "").rpartition("/")[2], path)
    return out


def _sheet_paths(archive: zipfile.ZipFile, workbook: str, platform: str) -> tuple[dict[str, str], bool]:
    relations = _relations(archive, workbook, platform)
    sheets: dict[str, str] = {}
    date1904 = False
    for _, elem in _events(archive, workbook, platform):
        tag = _local(elem.tag)
        if tag == "workbookPr":
            date1904 = elem.get("date1904") in ("1", "true")
        elif tag == "sheet":
            rel = relations.get(_attr(elem, "id") or "")
            if rel is not None and rel[0] == "worksheet":
                sheets[(elem.get("name") or "").strip()] = rel[1]
    return sheets, date1904


def _shared_strings(archive: zipfile.ZipFile, relations: dict[str, tuple[str, str]], base: str,
                    platform: str) -> list[str]:
    path = next((p for kind, p in relations.values() if kind == "sharedStrings"), None)
    if path is None or path not in archive.namelist():
        return []
    strings: list[str] = []
    root: ET.Element | None = None
    for event, elem in _events(archive, path, platform, ("start", "end")):
        if event == "start":
            root = elem if root is None else root
        elif _local(elem.tag) == "si":
            strings.append(_rich_text(elem))
            if len(strings) > MAX_STRINGS:
                raise AdapterError(f"{platform}: the workbook holds more than {MAX_STRINGS:,} different "
                                   "texts; send a smaller workbook")
            if root is not None:
                root.clear()  # the items read are not kept as XML
    return strings


def _rich_text(elem: ET.Element) -> str:
    """The text of a string item: plain, or runs; phonetic guides (``rPh``) left out."""
    parts: list[str] = []
    for child in elem:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _date_styles(archive: zipfile.ZipFile, relations: dict[str, tuple[str, str]], base: str,
                 platform: str) -> frozenset[int]:
    """Indexes of the cell styles (``s``) whose number format is a date or time."""
    path = next((p for kind, p in relations.values() if kind == "styles"), None)
    if path is None or path not in archive.namelist():
        return frozenset()
    custom: dict[int, str] = {}
    dated: set[int] = set()
    index = 0
    in_cell_xfs = False
    for event, elem in _events(archive, path, platform, ("start", "end")):
        tag = _local(elem.tag)
        if tag == "cellXfs":
            in_cell_xfs = event == "start"
        elif event == "end" and tag == "numFmt":
            custom_id = elem.get("numFmtId") or ""
            if custom_id.isdigit():
                custom[int(custom_id)] = elem.get("formatCode") or ""
        elif event == "end" and tag == "xf" and in_cell_xfs:
            fid_text = elem.get("numFmtId") or "0"
            fid = int(fid_text) if fid_text.isdigit() else 0
            if fid in custom:
                if _is_date_format(custom[fid]):
                    dated.add(index)
            elif fid in _DATE_FORMAT_IDS:
                dated.add(index)
            index += 1
    return frozenset(dated)


def _is_date_format(code: str) -> bool:
    plain = _NOT_DATE_PARTS.sub("", code.split(";")[0]).lower()
    return any(ch in plain for ch in "ymdhs") and "general" not in plain


# ---------------------------------------------------------------- a sheet


def _cell_ref(ref: str) -> tuple[int, int] | None:
    """``"AB12"`` -> (column 28, row 12)."""
    match = _REF.fullmatch(ref.replace("$", "").upper())
    if match is None:
        return None
    column = 0
    for ch in match.group(1):
        column = column * 26 + ord(ch) - 64
    return column, int(match.group(2))


def _read_sheet(archive: zipfile.ZipFile, name: str, path: str, strings: list[str],
                date_styles: frozenset[int], epoch: dt.datetime,
                stop: Callable[[dict[int, object]], bool], platform: str) -> Sheet:
    sheet = Sheet(name)
    merges = _Merges()
    listed = 0
    number = 0
    ended = False
    for _, elem in _events(archive, path, platform):
        tag = _local(elem.tag)
        if tag == "row":
            # Rows after the end of the data are not read, but count: the file lists them.
            listed += 1
            if listed > MAX_ROWS:
                raise AdapterError(f"{platform}: the sheet {name} lists more than {MAX_ROWS:,} rows; "
                                   "delete the empty rows below the ledger, or split it")
            if not ended:
                given = elem.get("r") or ""
                number = int(given) if given.isdigit() else number + 1
                cells = _row_cells(elem, strings, date_styles, epoch)
                if cells:
                    sheet.rows.append((number, cells))
                    ended = stop(cells)
            # What was read is not kept as XML (an emptied row stays, bounded by MAX_ROWS).
            elem.clear()
        elif tag == "mergeCell":
            merges.add(elem.get("ref") or "")
    merges.fill(sheet.rows)
    return sheet


def _row_cells(row: ET.Element, strings: list[str], date_styles: frozenset[int],
               epoch: dt.datetime) -> dict[int, object]:
    cells: dict[int, object] = {}
    column = 0
    for c in row:
        if _local(c.tag) != "c":
            continue
        ref = _cell_ref(c.get("r") or "")
        column = ref[0] if ref is not None else column + 1
        if column > MAX_COLUMNS:
            continue
        value = _cell_value(c, strings, date_styles, epoch)
        if value is not None and value != "":
            cells[column] = value
    return cells


def _cell_value(c: ET.Element, strings: list[str], date_styles: frozenset[int],
                epoch: dt.datetime) -> object:
    kind = c.get("t") or "n"
    v: str | None = None
    formula: str | None = None
    inline: ET.Element | None = None
    for child in c:
        tag = _local(child.tag)
        if tag == "v":
            v = child.text
        elif tag == "f":
            formula = child.text or ""
        elif tag == "is":
            inline = child
    if formula is not None:
        return Formula(formula)
    if kind == "inlineStr":
        return None if inline is None else _rich_text(inline)
    if v is None:
        return None
    if kind == "s":
        index = int(v) if v.strip().isdigit() else -1
        return strings[index] if 0 <= index < len(strings) else None
    if kind in ("str", "inlineStr"):
        return v
    if kind == "b":
        return v.strip() in ("1", "true")
    if kind == "e":
        return ExcelError(v.strip())
    if kind == "d":
        try:
            return dt.datetime.fromisoformat(v.strip().rstrip("Z")).replace(tzinfo=None)
        except ValueError:
            return v
    return _number(v, c.get("s"), date_styles, epoch)


def _number(v: str, style: str | None, date_styles: frozenset[int], epoch: dt.datetime) -> object:
    text = v.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if style is not None and style.isdigit() and int(style) in date_styles:
        try:
            moment = epoch + dt.timedelta(days=number)
        except OverflowError:
            return number
        return moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))
    if number.is_integer() and abs(number) < 2**53 and "e" not in text.lower() and "." not in text:
        return int(text)
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number
