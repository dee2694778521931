"""Read: an input (.xlsx, a folder of .csv, a Pabulib .pb, a result workbook) into tables,
each cell kept as found with its Excel location; the xlsx archive checked before any parser
sees it; the blank input template."""
from __future__ import annotations

from pathlib import Path

from allocator.core.findings import ERROR, Finding, InputError
from allocator.read.csv_folder import read_csv_folder
from allocator.read.pabulib import read_pb
from allocator.read.tables import Table, Workbook, from_frames
from allocator.read.xlsx import read_xlsx


def read_workbook(path: str | Path) -> Workbook:
    """Read an .xlsx file, a folder of .csv files or a Pabulib .pb file. Raises InputError."""
    p = Path(path)
    if not p.exists():
        raise InputError([Finding(ERROR, str(p), "no such file or folder")])
    if p.is_dir():
        return read_csv_folder(p)
    if not p.is_file():  # a workbook is read part by part, out of order: not from a stream
        raise InputError([Finding(ERROR, p.name, "is a pipe or a device, not a file: save the "
                                  "workbook to a file and give its path")])
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return read_csv_folder(p.parent, given=p)
    if suffix == ".pb":  # a Pabulib participatory-budgeting election
        return read_pb(p)
    if suffix in (".xls", ".ods", ".xlsb", ".numbers"):
        raise InputError([Finding(ERROR, p.name, f"{suffix} files are not supported: save the "
                                  "workbook as .xlsx (Excel Workbook) or as .csv files; "
                                  "supported: .xlsx, .csv, a folder of .csv files, .pb")])
    return read_xlsx(p)


__all__ = ["Table", "Workbook", "from_frames", "read_workbook"]
