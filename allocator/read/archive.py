"""The .xlsx guard: an archive is checked before any parser sees it (part count, parts named
twice, declared and true sizes, compression ratio, DOCTYPE declarations, the span of each
sheet's cells), and
suspicious cells are marked (formulas without a cached value, error values, NaN); what the
native reader raises becomes a finding."""
from __future__ import annotations

import contextlib
import re
import struct
import zipfile
import zlib
from collections.abc import Collection
from pathlib import Path, PurePosixPath

from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.format import number
from allocator.core.lang import phrase
from allocator.core.schema import sheet_for

# An .xlsx whose parts declare more than this, or inflate more than this ratio, is refused:
# a legitimate 100,000-project workbook is about 60 MB of XML at a ratio near 10.
MAX_UNCOMPRESSED = 1 << 30


MAX_RATIO = 200


MAX_PARTS = 10_000


# python-calamine allocates a sheet's whole bounding box (32 bytes a cell) and aborts the
# process when it cannot: a sheet whose cells span more than this is refused before it sees it
# (100,000 projects × 100 columns; one cell at XFD1048576 spans 17 billion).
MAX_CELLS = 10_000_000


@contextlib.contextmanager
def native_reader(path: Path):
    """Whatever python-calamine raises becomes a finding: its own error types for malformed
    files, and a Rust panic (pyo3's PanicException derives from BaseException, not Exception).
    An abort cannot be caught: ``inspect_archive`` refuses what would cause one."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:
        raise InputError([Finding(ERROR, path.name, phrase("file.unreadable",
                                                           error=exc))]) from None


_NAN_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(?:<f[^>]*?(?:/>|>[^<]*</f>))?'
                       rb'<v>\s*([-+]?nan)\s*</v>', re.I)


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*?t="e"[^>]*>'
                         rb'(?:<f[^>]*?(?:/>|>[^<]*</f>))?<v>([^<]*)</v>')


_FORMULA_NO_VALUE = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(?:<f[^>]*?(?:/>|>[^<]*</f>))'
                               rb'(?:<v\s*/>|<v></v>|</c>)')


def _open_archive(path: Path) -> zipfile.ZipFile:
    """The workbook's zip archive, once its parts' count and declared sizes are safe to read
    one at a time, and it holds a workbook part."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InputError([Finding(ERROR, name, phrase("file.unopened",
                                                      why=_not_a_zip(path)))]) from None
    infos = archive.infolist()
    names = {i.filename for i in infos}
    declared = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    problem = None
    if len(infos) > MAX_PARTS or declared > MAX_UNCOMPRESSED or \
            declared / packed > MAX_RATIO and declared > 50 << 20:
        problem = phrase("file.bomb", parts=number(len(infos)), size=number(declared / 1e6),
                         packed=number(packed / 1e6, 1))
    elif twice := _named_twice(infos):
        # which copy a reader takes is its own choice (python-calamine has panicked on some):
        # the guard would check one and the reader read another
        problem = phrase("file.part_twice", part=twice)
    elif "xl/workbook.xml" not in names:
        problem = _not_a_workbook(archive, names)
    if problem:
        archive.close()
        raise InputError([Finding(ERROR, name, problem)])
    return archive


def _named_twice(infos: list[zipfile.ZipInfo]) -> str | None:
    """A part named twice (part names are compared whatever their case, as Office does), or
    None."""
    seen: set[str] = set()
    for info in infos:
        key = info.filename.casefold()
        if key in seen:
            return info.filename
        seen.add(key)
    return None


def _sheets_of(archive: zipfile.ZipFile, raw, name: str) -> dict[str, str]:
    """Sheet name → part, from the workbook part and its relationships (size-bounded)."""
    names = set(archive.namelist())
    return sheet_parts({part: _part(raw, archive.getinfo(part), name)
                         for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
                         if part in names})


def sheet_names(path: str | Path) -> list[str]:
    """The sheets an .xlsx workbook holds, read from its workbook part and that part's
    relationships alone (no sheet is parsed); InputError when it is not a workbook."""
    path = Path(path)
    with _open_archive(path) as archive, open(path, "rb") as raw:
        return list(_sheets_of(archive, raw, path.name))


def inspect_archive(path: Path, sheets: Collection[str] | None = None
                     ) -> dict[str, dict[str, tuple[str, str]]]:
    """Refuse archives that would make a parser hang or exhaust memory; mark suspicious cells.

    Every part is inflated here, by zlib, bounded by its declared size, which must be its true
    size (a part that inflates further, a "lying header", is refused: python-calamine would
    trust the stream, not the header), then checked for DOCTYPE/ENTITY declarations; the
    sheets that will be read (``sheets``, by default the input sheets) are checked for the
    span of their cells. Only one part is held in memory at a time. Returns, per sheet name,
    the cells that are formulas with no cached value or error values.
    """
    name = path.name
    with _open_archive(path) as archive, open(path, "rb") as raw:
        infos = archive.infolist()
        wanted = {part: sheet for sheet, part in _sheets_of(archive, raw, name).items()
                  if (sheet_for(sheet) is not None if sheets is None else sheet in sheets)}
        marks: dict[str, dict[str, tuple[str, str]]] = {}
        for info in infos:
            data = _part(raw, info, name)
            if _declares(data):
                raise InputError([Finding(ERROR, name, phrase("file.entities",
                                                              part=info.filename))])
            sheet = wanted.get(info.filename)
            if sheet is None:
                continue
            cells = _span(data)
            if cells > MAX_CELLS:
                raise InputError([Finding(ERROR, sheet, phrase(
                    "file.span", cells=number(cells), most=number(MAX_CELLS)))])
            found: dict[str, tuple[str, str]] = {}
            if b't="e"' in data:
                for m in _ERROR_CELL.finditer(data):
                    found[m.group(1).decode()] = ("error", m.group(2).decode(errors="replace"))
            if b"<f" in data:
                for m in _FORMULA_NO_VALUE.finditer(data):
                    found.setdefault(m.group(1).decode(), ("formula", ""))
            if b"n</v>" in data or b"N</v>" in data:  # NaN, which calamine reads as empty
                for m in _NAN_CELL.finditer(data):
                    found.setdefault(m.group(1).decode(), ("nan", m.group(2).decode()))
            if found:
                marks[sheet] = found
        return marks


def _not_a_zip(path: Path) -> str:
    """Why a file that is not a zip archive cannot be an .xlsx, from its first bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as exc:  # unreadable (permissions): say so rather than fail here
        return phrase("file.cannot_read", error=exc.strerror or exc)
    if not head:
        return phrase("file.empty")
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file
        with open(path, "rb") as f:
            encrypted = "EncryptedPackage".encode("utf-16-le") in f.read(1 << 20)
        return phrase("file.password" if encrypted else "file.xls")
    if head.startswith(b"PK"):
        return phrase("file.damaged")
    try:
        head.decode("utf-8")
        text = True
    except UnicodeDecodeError as exc:  # a cut multi-byte character at the end is still text
        text = exc.start > len(head) - 4
    if text and any(sep in head for sep in (b",", b";", b"\t")):
        return phrase("file.text")
    return phrase("file.not_xlsx")


def _not_a_workbook(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
        return phrase("file.ods")
    if "xl/workbook.bin" in names:
        return phrase("file.xlsb")
    return phrase("file.no_workbook")


def _part(raw, info: zipfile.ZipInfo, name: str) -> bytes:
    """One part, inflated by zlib no further than its declared size, which must be its size.

    Read from the raw archive so that a stream longer than its header says is seen (zipfile
    would stop at the declared size, python-calamine would not).
    """
    def damaged(key: str, **fields) -> InputError:
        return InputError([Finding(ERROR, name, phrase(key, part=info.filename, **fields))])
    if info.flag_bits & 0x1:
        raise damaged("part.encrypted")
    raw.seek(info.header_offset)
    head = raw.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise damaged("part.no_header")
    skip = 30 + sum(struct.unpack("<HH", head[26:30]))
    raw.seek(info.header_offset + skip)
    packed = raw.read(info.compress_size)
    if len(packed) < info.compress_size:
        raise damaged("part.cut")
    if info.compress_type == zipfile.ZIP_STORED:
        data = packed
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            data = inflater.decompress(packed, info.file_size + 1)
        except zlib.error:
            raise damaged("part.not_deflate") from None
        if len(data) > info.file_size or not inflater.eof:
            raise damaged("part.inflates", size=number(info.file_size))
    else:
        raise damaged("part.method", method=info.compress_type)
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise damaged("part.checksum")
    return data


# A cell's reference, in any attribute order; rows' r="12" have no letters and do not match.
_CELL_REF = re.compile(rb' r="([A-Z]+)([0-9]+)"')


def _span(data: bytes) -> int:
    """How many cells the bounding box of a sheet part's cells holds (what calamine allocates).

    One regex pass (~0.6 s for 1.6 million cells); cells written without a reference are
    placed by counting, so they are bounded by their number.
    """
    refs = _CELL_REF.findall(data)
    if not refs:
        return data.count(b"<c ") + data.count(b"<c>")
    rows = [int(r) for r in {r for _, r in refs}]
    letters = {c for c, _ in refs}
    columns = [_column_number(c) for c in letters]
    unplaced = data.count(b"<c>") + data.count(b"<c ") - len(refs)
    return (max(rows) - min(rows) + 1 + max(unplaced, 0)) * \
        (max(columns) - min(columns) + 1 + max(unplaced, 0))


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _declares(data: bytes) -> bool:
    """Whether a part declares a DOCTYPE or entities, anywhere in it, in UTF-8 or UTF-16.

    Markup declarations all begin with ``<!``, which Excel writes nowhere (no comments, no
    CDATA): finding the few ``<!`` is a memchr scan, with no copy of a part of 100 MB. Every
    part is looked at, whatever its name: a workbook's relationships may point anywhere.
    """
    for opening, encoding in ((b"<!", "ascii"), ("<!".encode("utf-16-le"), "utf-16-le"),
                              ("<!".encode("utf-16-be"), "utf-16-be")):
        at = data.find(opening)
        while at != -1:
            word = data[at + len(opening):at + len(opening) * 5].decode(encoding, "replace")
            if word.upper().startswith(("DOCT", "ENTI")):
                return True
            at = data.find(opening, at + 1)
    return False


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name → path of its XML part inside the archive."""
    book = parts.get("xl/workbook.xml", b"").decode("utf-8", "replace")
    rels = parts.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8", "replace")
    targets = {}
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        rid = re.search(r'\bId="([^"]+)"', tag)
        target = re.search(r'\bTarget="([^"]+)"', tag)
        if rid and target:
            t = target.group(1)
            targets[rid.group(1)] = (t.lstrip("/") if t.startswith("/")
                                     else str(PurePosixPath("xl") / t))
    out = {}
    for sheet in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", book):
        tag = sheet.group(0)
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\b\w+:id="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            out[_unescape(name.group(1))] = targets[rid.group(1)]
    return out


def _unescape(s: str) -> str:
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))
