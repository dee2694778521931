"""Read: an input (.xlsx, a folder of .csv, a Pabulib .pb, a result workbook) into tables,
each cell kept as found with its Excel location; the xlsx archive checked before any parser
sees it; the blank input template."""
from __future__ import annotations

from pathlib import Path

from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.lang import phrase
from allocator.read.csv_folder import read_csv_folder
from allocator.read.pabulib import read_pb
from allocator.read.tables import Table, Workbook, from_frames
from allocator.read.xlsx import read_xlsx


def read_workbook(path: str | Path) -> Workbook:
    """Read an .xlsx file, a folder of .csv files or a Pabulib .pb file. Raises InputError."""
    p = Path(path)
    if not p.exists():
        raise InputError([Finding(ERROR, str(p), phrase("file.missing"))])
    if p.is_dir():
        return read_csv_folder(p)
    if not p.is_file():  # a workbook is read part by part, out of order: not from a stream
        raise InputError([Finding(ERROR, p.name, phrase("file.device"))])
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return read_csv_folder(p.parent, given=p)
    if suffix == ".pb":  # a Pabulib participatory-budgeting election
        return read_pb(p)
    if suffix in (".xls", ".ods", ".xlsb", ".numbers"):
        raise InputError([Finding(ERROR, p.name, phrase("file.suffix", suffix=suffix))])
    return read_xlsx(p)


__all__ = ["Table", "Workbook", "from_frames", "read_workbook"]
