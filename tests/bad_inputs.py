"""The bad-input corpus for the command line: broken, foreign and hostile files.

tests/corpus.py holds one mutation per validation rule, checked in process; this corpus covers
what lies around it: files that are not workbooks, workbooks laid out oddly, values Excel
produces but no one means, CSV files as Excel exports them, and files made to hurt the reader.
Every case is generated here (no binary is kept in the repository) and says the exit code and
the text fragments it must produce on ``allocator validate`` or ``allocator solve``.

    python tests/bad_inputs.py OUT   # writes every case under OUT for a look
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import sys
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl
from corpus import base, set_cell, write

PROJECTS_PART = "xl/worksheets/sheet1.xml"  # corpus.write puts the projects sheet first


@dataclass(frozen=True)
class Bad:
    """One input and what the CLI must say about it.

    ``build(folder)`` writes the input under ``folder`` and returns the path to give the CLI;
    ``args`` follow it (``{out}`` is replaced by a path in the case's folder). ``fragments`` must
    all appear in stderr + stdout; ``check(result, folder)`` may look further.
    """
    id: str
    build: Callable[[Path], Path]
    code: int
    fragments: tuple[str, ...]
    command: str = "validate"
    args: tuple[str, ...] = ()
    seconds: float = 60.0  # the run must end within this (interpreter start included)
    check: Callable | None = None
    hostile: bool = False  # run under a 500 MB address-space limit


# ----------------------------------------------------------------------------- building blocks

def xlsx(grids: dict, folder: Path, name: str = "input.xlsx") -> Path:
    path = write(grids, folder, "xlsx")
    return path.rename(path.with_name(name)) if name != path.name else path


def mutated(*steps) -> dict:
    grids = base()
    for step in steps:
        step(grids)
    return grids


def patched(folder: Path, edit: Callable[[dict[str, bytes]], dict[str, bytes]],
            grids: dict | None = None) -> Path:
    """The base workbook (or ``grids``) with its parts rewritten by ``edit(parts) -> parts``."""
    source = xlsx(grids or base(), folder / "source")
    parts = {i.filename: zipfile.ZipFile(source).read(i)
             for i in zipfile.ZipFile(source).infolist()}
    return zip_parts(folder / "input.xlsx", edit(parts))


def zip_parts(path: Path, parts: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def in_sheet(old: bytes, new: bytes, part: str = PROJECTS_PART, count: int = 1):
    """An edit replacing ``old`` by ``new`` in one part (it must be there)."""
    def edit(parts):
        assert old in parts[part], (old, parts[part][:400])
        parts[part] = parts[part].replace(old, new, count)
        return parts
    return edit


def raw_zip(path: Path, entries: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip written by hand: (name, raw deflate stream, declared size, declared CRC) per part,
    so that sizes and checksums can say what a hostile file makes them say."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, stream, size, crc in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(stream),
                              size, len(encoded), 0) + encoded + stream)
        central.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc,
                                  len(stream), size, len(encoded), 0, 0, 0, 0, 0, offset)
                      + encoded)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                          len(central.getvalue()), start, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return path


def deflated(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zeros_stream(size: int, chunk: int = 1 << 24) -> bytes:
    """A raw deflate stream inflating to ``size`` zero bytes, made without compressing them all:
    one chunk compressed and fully flushed (no reference across the flush) is repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * (size // chunk) + b"\x03\x00"  # then an empty final block


def base_entries(folder: Path) -> list[tuple[str, bytes, int, int]]:
    """The base workbook's parts as raw_zip entries (honest sizes and checksums)."""
    archive = zipfile.ZipFile(xlsx(base(), folder / "source"))
    return [(i.filename, deflated(archive.read(i)), i.file_size, i.CRC)
            for i in archive.infolist()]


def cfb(path: Path, streams: tuple[str, ...]) -> Path:
    """A minimal OLE compound file (what .xls and encrypted .xlsx files are) whose directory
    names ``streams`` (empty): an encrypted workbook holds EncryptionInfo and EncryptedPackage.
    """
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    # version 3, 512-byte sectors: sector 0 holds the FAT, sector 1 the directory
    header = struct.pack("<8s16s5H6s9L", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x3E,
                         3, 0xFFFE, 9, 6, bytes(6), 0, 1, 1, 0, 4096, end, 0, end, 0) + \
        struct.pack("<109L", 0, *[free] * 108)
    fat = struct.pack("<128L", fat_sector, end, *[free] * 126)

    def entry(name: str, kind: int, child=free, right=free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return struct.pack("<64sHBB3L16sL16sLQ", encoded, len(encoded), kind, 1, free, right,
                           child, bytes(16), 0, bytes(16), end, 0)
    names = list(streams)
    directory = entry("Root Entry", 5, child=1) + b"".join(
        entry(n, 2, right=k + 2 if k + 1 < len(names) else free) for k, n in enumerate(names))
    directory = directory.ljust(512, b"\0")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + fat + directory)
    return path


def csv_folder(folder: Path, grids: dict, *, encoding="utf-8", delimiter=",",
               decimal_comma=False) -> Path:
    """The grids as .csv files the way Excel writes them (an encoding, a separator)."""
    path = folder / "input"
    path.mkdir(parents=True, exist_ok=True)
    for name, grid in grids.items():
        text = io.StringIO()
        w = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
        for row in grid:
            w.writerow(["" if v is None else
                        str(v).replace(".", ",") if decimal_comma and isinstance(v, float) else v
                        for v in row])
        (path / f"{name}.csv").write_bytes(text.getvalue().encode(encoding))
    return path


def write_file(content: bytes, name: str):
    def build(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
        return folder / name
    return build


def cell(row: int, header: str, value):
    return lambda g: set_cell(g, "projects", row, header, value)


# ----------------------------------------------------------------------------- particular inputs

def _hidden(folder):
    path = xlsx(base(), folder)
    wb = openpyxl.load_workbook(path)
    wb["projects"].sheet_state = "hidden"
    wb.active = 1
    wb.save(path)
    return path


def _renamed(title):
    def build(folder):
        grids = base()
        grids = {(title if k == "projects" else k): v for k, v in grids.items()}
        return xlsx(grids, folder)
    return build


def _two_project_sheets(folder):
    grids = base()
    grids["Projets"] = grids["projects"]
    return xlsx(grids, folder)


def _merged_header(folder):
    # an analyst's header "jobs" merged over two columns, the second holding numbers
    grids = base()
    j = grids["projects"][0].index("jobs")
    for k, row in enumerate(grids["projects"]):
        row.insert(j + 1, None if k == 0 else 1)
    path = xlsx(grids, folder)
    wb = openpyxl.load_workbook(path)
    wb["projects"].merge_cells(start_row=1, start_column=j + 1, end_row=1, end_column=j + 2)
    wb.save(path)
    return path


def _title_rows(folder):
    grids = mutated(cell(6, "total_cost", -1))  # row 6 of the grid, Excel row 8 below
    grids["projects"][:0] = [["Appel à projets 2026 — Territoires d'industrie"], []]
    return xlsx(grids, folder)


def _blank_rows(folder):
    grids = mutated(cell(7, "requested", "n/a"))
    grids["projects"][3:3] = [[], [None] * 16]  # two blank rows: the last project moves to row 9
    return xlsx(grids, folder)


def _empty_formatted_rows(folder):
    # 100,000 rows with a style and empty cells after the data, as Excel leaves them after a
    # format was applied to whole columns
    rows = b"".join(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/><c r="P%d" s="1"/></row>'
                    % (r, r, r) for r in range(8, 100_008))
    return patched(folder, in_sheet(b"</sheetData>", rows + b"</sheetData>"))


def _far_cell(folder):
    return patched(folder, in_sheet(b"</sheetData>",
                                    b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                                    b"</sheetData>"))


def _error_cells(folder):
    grids = mutated(cell(4, "jobs", "#REF!"), cell(5, "requested", "#DIV/0!"),
                    cell(6, "title", "#N/A"))  # openpyxl writes error codes as error cells
    return xlsx(grids, folder)


def _formula_with_value(folder):
    def edit(parts):
        data = parts[PROJECTS_PART]
        start = data.index(b'<c r="E2"')
        stop = data.index(b"</c>", start) + 4
        parts[PROJECTS_PART] = data[:start] + b'<c r="E2"><f>2*500000</f><v>1000000</v></c>' + \
            data[stop:]
        return parts
    return patched(folder, edit)


def _special_floats(folder):
    def edit(parts):
        data = parts[PROJECTS_PART]
        for ref, value in ((b"I3", b"NaN"), (b"J4", b"inf"), (b"K5", b"-INF")):
            start = data.index(b'<c r="' + ref + b'"')
            stop = data.index(b"</c>", start) + 4
            data = data[:start] + b'<c r="' + ref + b'"><v>' + value + b"</v></c>" + data[stop:]
        parts[PROJECTS_PART] = data
        return parts
    return patched(folder, edit)


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">'
                             % (k, (b"&lol%s;" % (b"" if k == 1 else str(k - 1).encode())) * 10)
                             for k in range(1, 10))
                  + b"]>")


def _xml_bomb(folder):
    def edit(parts):
        data = parts[PROJECTS_PART]
        parts[PROJECTS_PART] = BILLION_LAUGHS + data.replace(b"P-0001", b"&lol9;")
        return parts
    return patched(folder, edit)


def _xml_bomb_utf16(folder):
    def edit(parts):
        text = (BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b"")
                + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<si><t>&lol9;</t></si></sst>").decode()
        parts["xl/sharedStrings.xml"] = ('<?xml version="1.0" encoding="UTF-16"?>' + text) \
            .encode("utf-16")
        return parts
    return patched(folder, edit)


def _zip_bomb(folder):
    # 2 GiB of zeros from 2 MB, beside the real parts (its checksum is not worth computing: the
    # reader must refuse the archive before inflating anything)
    entries = base_entries(folder) + [("xl/media/padding.xml", zeros_stream(2 << 30), 2 << 30, 0)]
    return raw_zip(folder / "input.xlsx", entries)


def _lying_header(folder):
    # the header says 4 KB, with the checksum of those 4 KB; the stream inflates to 1 GiB: a
    # reader bounded by the header sees nothing wrong, one that trusts the stream is flooded
    entries = [e for e in base_entries(folder) if e[0] != PROJECTS_PART]
    entries.append((PROJECTS_PART, zeros_stream(1 << 30), 4096, zlib.crc32(bytes(4096))))
    return raw_zip(folder / "input.xlsx", entries)


def _many_parts(folder):
    entries = base_entries(folder) + [(f"xl/media/p{k}.xml", deflated(b""), 0, 0)
                                      for k in range(10_001)]
    return raw_zip(folder / "input.xlsx", entries)


def _damaged(folder):
    path = xlsx(base(), folder)
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(PROJECTS_PART)
    at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[at:at + 8] = bytes(b ^ 0x5A for b in data[at:at + 8])
    path.write_bytes(bytes(data))
    return path


def _projects_entry(folder, local: dict[int, bytes], central: dict[int, bytes]) -> Path:
    """The base workbook with bytes of the projects part's local header and central directory
    entry overwritten (offset within the header → bytes)."""
    path = xlsx(base(), folder)
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(PROJECTS_PART)
    entry = data.index(b"PK\x01\x02")  # the central directory's entries; its name follows
    while data[entry + 46:entry + 46 + len(PROJECTS_PART)] != PROJECTS_PART.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    for at, value in local.items():
        data[info.header_offset + at:info.header_offset + at + len(value)] = value
    for at, value in central.items():
        data[entry + at:entry + at + len(value)] = value
    path.write_bytes(bytes(data))
    return path


def _encrypted_part(folder):  # general purpose flag bit 0
    return _projects_entry(folder, {6: b"\x01\x00"}, {8: b"\x01\x00"})


def _no_local_header(folder):  # the central directory points at no local header
    return _projects_entry(folder, {0: b"XX"}, {})


def _part_cut_short(folder):  # a compressed size larger than what the file holds
    return _projects_entry(folder, {}, {20: struct.pack("<L", 50 << 20)})


def _unknown_compression(folder):  # method 12 (bzip2): zipfile reads it, Excel never writes it
    return _projects_entry(folder, {8: b"\x0c\x00"}, {10: b"\x0c\x00"})


def _truncated(folder):
    path = xlsx(base(), folder)
    path.write_bytes(path.read_bytes()[:2000])
    return path


def _ods_renamed(folder):
    return zip_parts(folder / "input.xlsx", {"mimetype": b"application/vnd.oasis.opendocument."
                                             b"spreadsheet", "content.xml": b"<office/>"})


def _docx(folder):
    return zip_parts(folder / "input.xlsx", {"word/document.xml": b"<w:document/>",
                                             "[Content_Types].xml": b"<Types/>"})


def _csv_as_xlsx(folder):
    text = "\n".join(",".join("" if v is None else str(v) for v in row)
                     for row in base()["projects"])
    return write_file(text.encode(), "input.xlsx")(folder)


def _cp1252(folder):
    grids = base()
    grids["projects"][0][4] = "Coût total (€)"
    return csv_folder(folder, grids, encoding="cp1252")


def _semicolon_decimal_comma(folder):
    grids = mutated(cell(2, "requested", 300_000.5), cell(3, "max_aid_rate", 0.3))
    return csv_folder(folder, grids, encoding="cp1252", delimiter=";", decimal_comma=True)


def _units(folder):
    # a French Excel exports a formatted cell as it shows it: 50 %, 300 000 €
    grids = mutated(cell(2, "max_aid_rate", "50 %"), cell(2, "requested", "300\u00a0000 €"))
    return csv_folder(folder, grids, delimiter=";")


def _utf16_tabs(folder):
    return csv_folder(folder, base(), encoding="utf-16", delimiter="\t")


def _csv_blank_lines(folder):
    grids = mutated(cell(7, "total_cost", "beaucoup"))
    grids["projects"][2:2] = [[]]
    return csv_folder(folder, grids)


def _csv_float_words(folder):
    grids = mutated(cell(3, "jobs", "nan"), cell(4, "skills", "inf"),
                    cell(5, "total_cost", "1e308"), cell(6, "net_artificialised_ha", "-inf"))
    return csv_folder(folder, grids)


def _header_only_csv(folder):
    grids = base()
    del grids["projects"][1:]
    return csv_folder(folder, grids)


def _empty_csv(folder):
    path = csv_folder(folder, base())
    (path / "projects.csv").write_bytes(b"")
    return path


def _nul_csv(folder):
    path = csv_folder(folder, base())
    (path / "projects.csv").write_bytes((path / "projects.csv").read_bytes().replace(
        b"Friche Nord", b"Friche\x00Nord"))
    return path


def _accented_title(result, folder):
    import json
    titles = {r["project_id"]: r["title"] for r in json.loads(result.stdout)["allocation"]}
    assert titles["P-0001"] == "Plateforme hydrogène" and titles["P-0005"] == "Halle de production"


def _amounts(expected: dict):
    def check(result, folder):
        import json
        rows = {r["project_id"]: r for r in json.loads(result.stdout)["allocation"]}
        for (pid, column), value in expected.items():
            assert rows[pid][column] == value, (pid, column, rows[pid][column], value)
    return check


def _existing(content: bytes, name: str):
    """The base workbook beside an existing file ``name`` (the would-be output)."""
    def build(folder):
        path = xlsx(base(), folder)
        (folder / name).write_bytes(content)
        return path
    return build


def _unchanged(name: str, content: bytes):
    def check(result, folder):
        assert (folder / name).read_bytes() == content
    return check


DATE = dt.datetime(2026, 3, 1)
SOLVE = ("--near-misses", "0", "--json")

CASES: tuple[Bad, ...] = (
    # files that are not an .xlsx workbook
    Bad("not_a_zip", write_file(bytes(range(256)) * 8, "input.xlsx"), 2,
        ("input.xlsx: cannot be opened: it is not an Excel .xlsx file",)),
    Bad("empty_file", write_file(b"", "input.xlsx"), 2, ("cannot be opened: the file is empty",)),
    Bad("csv_as_xlsx", _csv_as_xlsx, 2, ("it is a text file (a CSV renamed .xlsx?)",)),
    Bad("xls_suffix", write_file(b"\xd0\xcf\x11\xe0" + bytes(508), "input.xls"), 2,
        (".xls files are not supported", "supported: .xlsx, .csv")),
    Bad("ods_suffix", write_file(b"PK\x03\x04", "input.ods"), 2, (".ods files are not supported",)),
    Bad("xlsb_suffix", write_file(b"PK\x03\x04", "input.xlsb"), 2,
        (".xlsb files are not supported",)),
    Bad("xls_renamed", lambda f: cfb(f / "input.xlsx", ("Workbook",)), 2,
        ("it is an old Excel 97-2003 .xls workbook: save it as .xlsx",)),
    Bad("password_protected",
        lambda f: cfb(f / "input.xlsx", ("EncryptionInfo", "EncryptedPackage")), 2,
        ("it is password-protected (encrypted)", "remove the password")),
    Bad("ods_renamed", _ods_renamed, 2, ("an OpenDocument spreadsheet (.ods) renamed .xlsx",)),
    Bad("docx_renamed", _docx, 2, ("not an Excel workbook (no xl/workbook.xml)",)),
    Bad("truncated", _truncated, 2, ("the archive is damaged or incomplete",)),
    Bad("damaged_part", _damaged, 2,
        (f"refused: part {PROJECTS_PART} ", "save the workbook again from Excel")),
    Bad("encrypted_part", _encrypted_part, 2, (f"refused: part {PROJECTS_PART} is encrypted",)),
    Bad("part_without_local_header", _no_local_header, 2,
        (f"refused: part {PROJECTS_PART} is damaged (no local header)",)),
    Bad("part_cut_short", _part_cut_short, 2, (f"refused: part {PROJECTS_PART} is cut short",)),
    Bad("part_unknown_compression", _unknown_compression, 2,
        (f"refused: part {PROJECTS_PART} uses compression method 12",)),
    Bad("no_such_file", lambda f: f / "nowhere.xlsx", 2, ("nowhere.xlsx: no such file or folder",)),
    Bad("empty_folder", lambda f: (f / "empty").mkdir(parents=True) or f / "empty", 2,
        ("missing sheet 'projects' (sheets found: none)",)),
    # sheets laid out oddly
    Bad("hidden_sheet", _hidden, 0, ("projects: this sheet is hidden in Excel; it is read all "
                                     "the same", "valid — 6 projects")),
    Bad("sheet_alias", _renamed("Projets"), 0, ("valid — 6 projects",)),
    Bad("sheet_alias_spaces", _renamed(" PROJETS "), 0, ("valid — 6 projects",)),
    Bad("two_project_sheets", _two_project_sheets, 2,
        ("error: Projets: a second sheet for 'projects' (already read from 'projects')",)),
    Bad("unknown_sheet_name", _renamed("Feuil1"), 2,
        ("missing sheet 'projects' (sheets found: Feuil1, territories",)),
    Bad("merged_header", _merged_header, 0,
        ("projects!J1: column J holds values but has no header (merged header cells?)",)),
    Bad("title_rows", _title_rows, 2,
        ("projects!E8 (total_cost): found -1: expected a number ≥ 0",)),
    Bad("blank_rows", _blank_rows, 2, ("projects!F9 (requested): found 'n/a'",)),
    Bad("empty_formatted_rows", _empty_formatted_rows, 0, ("valid — 6 projects",), seconds=6),
    Bad("cell_at_XFD1048576", _far_cell, 2, ("projects: refused: its cells span "
                                             "17 179 869 184 cells",), seconds=5, hostile=True),
    # values Excel produces but no one means
    Bad("date_as_cost", lambda f: xlsx(mutated(cell(3, "total_cost", DATE)), f), 2,
        ("projects!E3 (total_cost): found a date (2026-03-01): expected a number ≥ 0; format the "
         "cell as a number",)),
    Bad("date_as_jobs", lambda f: xlsx(mutated(cell(5, "jobs", DATE.date())), f), 2,
        ("projects!I5 (jobs): found a date",)),
    Bad("boolean_as_request", lambda f: xlsx(mutated(cell(4, "requested", True)), f), 2,
        ("projects!F4 (requested): found True (a true/false cell)",)),
    Bad("error_cells", _error_cells, 2,
        ("projects!I4 (jobs): Excel error value #REF!", "projects!F5 (requested): Excel error "
         "value #DIV/0!", "projects!C6 (title): Excel error value #N/A")),
    Bad("formula_with_value", _formula_with_value, 0, ("valid — 6 projects",)),
    Bad("formula_without_value", lambda f: xlsx(mutated(cell(2, "skills", "=SUM(A1:A2)")), f), 2,
        ("projects!J2 (skills): formula cell with no saved value",)),
    Bad("nan_inf_cells", _special_floats, 2,
        ("projects!I3 (jobs): found NaN (not a number)", "projects!J4 (skills): found inf",
         "projects!K5 (innovation): found -inf")),
    Bad("huge_number", lambda f: xlsx(mutated(cell(4, "total_cost", 1e308)), f), 2,
        ("projects!E4 (total_cost): found 1e+308: expected a number ≥ 0 of a plausible size",)),
    Bad("negative_zero_and_tiny", lambda f: xlsx(mutated(cell(4, "requested", -0.0),
                                                         cell(5, "requested", 1e-320)), f), 2,
        ("projects!G5 (min_award): min_award (100 000) exceeds requested (1e-320)",)),
    Bad("requires_other_case", lambda f: xlsx(mutated(cell(4, "requires", "p-0002")), f), 2,
        ("requires unknown project 'p-0002': did you mean 'P-0002'?",)),
    Bad("territory_other_case", lambda f: xlsx(mutated(cell(2, "territory_id", "TI-1 ")), f), 2,
        ("unknown territory 'TI-1': did you mean 'ti-1'?",)),
    Bad("id_case_and_space", lambda f: xlsx(mutated(cell(5, "project_id", "p-0001"),
                                                    cell(7, "project_id", "P-00 03")), f), 2,
        ("projects!A5 (project_id): 'p-0001' differs only by case, spaces or width from "
         "'P-0001' on row 2",
         "projects!A7 (project_id): 'P-00 03' differs only by case, spaces or width")),
    Bad("id_nbsp", lambda f: xlsx(mutated(cell(3, "project_id", "P-0001\u00a0")), f), 2,
        ("projects!A3 (project_id): 'P-0001' is a duplicate of row 2",)),
    # CSV files as Excel writes them
    Bad("cp1252_csv", _cp1252, 0, ("P-0001",), command="solve", args=SOLVE, check=_accented_title),
    Bad("semicolon_decimal_comma", _semicolon_decimal_comma, 0, ("P-0001",), command="solve",
        args=SOLVE, check=_amounts({("P-0001", "requested"): 300_000.5,
                                    ("P-0002", "max_award"): 400_000})),
    Bad("units_in_csv", _units, 0, ("P-0001",), command="solve", args=SOLVE,
        check=_amounts({("P-0001", "requested"): 300_000, ("P-0001", "max_award"): 300_000})),
    Bad("utf16_tab_csv", _utf16_tabs, 0, ("valid — 6 projects",)),
    Bad("csv_blank_line", _csv_blank_lines, 2,
        ("projects.csv!E8 (total_cost): found 'beaucoup'",)),
    Bad("csv_float_words", _csv_float_words, 2,
        ("projects.csv!I3 (jobs): found 'nan'", "projects.csv!J4 (skills): found inf",
         "projects.csv!E5 (total_cost): found 1e+308", "projects.csv!M6 (net_artificialised_ha): "
                                                       "found -inf")),
    Bad("csv_header_only", _header_only_csv, 2,
        ("no projects: the sheet has a header but no rows",)),
    Bad("csv_empty_file", _empty_csv, 2,
        ("projects.csv (project_id): missing required column 'project_id'",)),
    Bad("csv_nul_byte", _nul_csv, 0, ("valid — 6 projects",)),
    # hostile files
    Bad("xml_entity_bomb", _xml_bomb, 2, (f"refused: part {PROJECTS_PART} declares a DOCTYPE",),
        seconds=5, hostile=True),
    Bad("xml_bomb_utf16", _xml_bomb_utf16, 2,
        ("refused: part xl/sharedStrings.xml declares a DOCTYPE",), seconds=5, hostile=True),
    Bad("zip_bomb", _zip_bomb, 2, ("would inflate to 2 148 MB from 2.1 MB", "a zip bomb"),
        seconds=5, hostile=True),
    Bad("lying_zip_header", _lying_header, 2,
        (f"refused: part {PROJECTS_PART} inflates beyond its declared 4 096 bytes",), seconds=5,
        hostile=True),
    Bad("too_many_parts", _many_parts, 2, ("parts would inflate",), seconds=5, hostile=True),
    # solving: backends, outputs
    Bad("unknown_backend", lambda f: xlsx(base(), f), 2,
        ("'gurobi' is not one of highs, scip, cpsat, cbc, pulp",), command="solve",
        args=("--backend", "gurobi")),
    Bad("pulp_solver_missing", lambda f: xlsx(base(), f), 2,
        ("GUROBI_CMD", "backends available here: highs"), command="solve",
        args=("--backend", "pulp:GUROBI_CMD")),
    Bad("unknown_scenario", lambda f: xlsx(base(), f), 2, ("no scenario 'jobs_frist'",),
        command="solve", args=("--scenario", "jobs_frist")),
    Bad("output_is_input", lambda f: xlsx(base(), f), 2,
        ("the output would overwrite the input",), command="solve", args=("-o", "{input}")),
    Bad("output_in_csv_folder", lambda f: csv_folder(f, base()), 2,
        ("would land among the input's .csv files",), command="solve",
        args=("-o", "{input}/allocation.csv")),
    Bad("output_folder_missing", lambda f: xlsx(base(), f), 2, ("does not exist",),
        command="solve", args=("-o", "{folder}/no/such/out.xlsx")),
    Bad("output_not_ours", _existing(b"my own notes", "out.xlsx"), 2,
        ("out.xlsx exists and was not written by allocator; pass --force",), command="solve",
        args=("-o", "{folder}/out.xlsx"), check=_unchanged("out.xlsx", b"my own notes")),
    Bad("csv_output_not_ours", _existing(b"a,b\n1,2\n", "out.csv"), 2,
        ("out.csv exists and was not written by allocator",), command="solve",
        args=("-o", "{folder}/out.csv"), check=_unchanged("out.csv", b"a,b\n1,2\n")),
    Bad("template_over_a_workbook", _existing(b"filled in", "t.xlsx"), 2,
        ("t.xlsx exists and was not written by allocator",), command="template",
        args=("{folder}/t.xlsx",)),
)


# ----------------------------------------------------------------------------- round two
# Cases of issue 15's families written afresh: each would have caught one of its findings.

def _with_extra_part(name: str, data: Callable[[bytes], bytes]):
    """The base workbook with a second part named ``name`` (its data made from the first
    sheet's): a zip may hold one name twice, and a reader takes either copy."""
    def build(folder: Path) -> Path:
        source = zipfile.ZipFile(xlsx(base(), folder / "source"))
        path = folder / "input.xlsx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it writes
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                for info in source.infolist():
                    z.writestr(info.filename, source.read(info))
                z.writestr(name, data(source.read(PROJECTS_PART)))
        return path
    return build


def _linked_to_input(folder: Path) -> Path:
    path = xlsx(base(), folder)
    (folder / "link.xlsx").symlink_to(path)
    return path


def _model_linked_to_output(folder: Path) -> Path:
    # the two outputs' names differ, the file they reach is one
    (folder / "model.lp").symlink_to(folder / "out.csv")
    return xlsx(base(), folder)


ROUND_TWO: tuple[Bad, ...] = (
    # hostile files: a part named twice (what python-calamine panicked on)
    Bad("part_named_twice", _with_extra_part(PROJECTS_PART, lambda sheet: sheet), 2,
        (f"refused: its part {PROJECTS_PART} appears more than once",), seconds=10,
        hostile=True),
    Bad("part_named_twice_other_data", _with_extra_part(
        PROJECTS_PART, lambda sheet: sheet.replace(b"P-0001", b"P-9999")), 2,
        (f"refused: its part {PROJECTS_PART} appears more than once",), seconds=10,
        hostile=True),
    Bad("part_named_twice_other_case", _with_extra_part(PROJECTS_PART.upper(), lambda s: s), 2,
        ("appears more than once", "save it again from Excel"), seconds=10, hostile=True),
    # the time limit and other numbers given as flags
    Bad("time_limit_nan", lambda f: xlsx(base(), f), 2,
        ("parameter 'time_limit': 'nan' is not a number",), command="solve",
        args=("--time-limit", "nan")),
    Bad("gap_nan", lambda f: xlsx(base(), f), 2, ("parameter 'gap': 'nan' is not a number",),
        command="solve", args=("--gap", "nan")),
    Bad("time_limit_too_short", lambda f: xlsx(base(), f), 1,
        ("no allocation", "more time (--time-limit)"), command="solve",
        args=("--time-limit", "0.001"), seconds=30),
    Bad("curve_without_time", lambda f: xlsx(base(), f), 1,
        ("no budget curve: no point was solved within the time limit",),
        command="budget-curve", args=("--time-limit", "0.001", "--steps", "2", "-o",
                                      "{folder}/curve.xlsx"), seconds=30),
    Bad("samples_beyond_memory", lambda f: xlsx(base(), f), 2,
        ("--samples: need at least one sample and at most 100 000",), command="uncertainty",
        args=("--samples", "100000000"), seconds=30),
    # output paths
    Bad("one_path_two_outputs", _model_linked_to_output, 2,
        ("model.lp is given for two outputs",), command="solve",
        args=("-o", "{folder}/out.csv", "--export-model", "{folder}/model.lp")),
    Bad("output_of_no_kind_written", lambda f: xlsx(base(), f), 2,
        ("out.txt: give a .xlsx or .csv file",), command="solve",
        args=("-o", "{folder}/out.txt")),
    Bad("model_of_no_kind_written", lambda f: xlsx(base(), f), 2,
        ("model.txt: give a .mps or .lp file",), command="solve",
        args=("--export-model", "{folder}/model.txt")),
    Bad("png_that_is_no_png", lambda f: xlsx(base(), f), 2, ("give a .png file",),
        command="budget-curve", args=("--png", "{folder}/curve.xlsx", "--steps", "2")),
    Bad("output_links_to_input", _linked_to_input, 2,
        ("the output would overwrite the input",), command="solve",
        args=("-o", "{folder}/link.xlsx")),
    # messages: a scheduler address Dask cannot parse fails at once, without a traceback
    Bad("scheduler_not_an_address", lambda f: xlsx(base(), f), 2,
        ("cannot reach the Dask scheduler at nonsense: missing port number",), command="sweep",
        args=("--set", "budget=5e5,1e6", "--scheduler", "nonsense"), seconds=20),
)
CASES += ROUND_TWO


def main(argv=None) -> int:
    out = Path((argv or sys.argv[1:] or ["bad-inputs"])[0])
    for case in CASES:
        case.build(out / case.id)
    print(f"wrote {len(CASES)} cases under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
