"""Findings about the input: what is wrong (errors) or worth a look (warnings), and where."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from allocator.core.lang import Words, words

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    """One problem in the input, located as Excel shows it.

    ``row`` is the Excel row number (1-based, as in the row headers) or None for a whole sheet
    or column; ``cell`` is the Excel reference (``E7``) where one cell is meant.
    """
    severity: str
    sheet: str
    message: str
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    value: object = None

    def __str__(self) -> str:
        return self.said(words())

    def said(self, w: Words) -> str:
        """The finding in the words of ``w``: its place as written (sheet, Excel cell or row,
        header), its message in that language."""
        where = self.sheet
        if self.cell:
            where += f"!{self.cell}"
        elif self.row is not None:
            where += w.say(" row {row}", " ligne {row}", row=self.row)
        if self.column:
            where += f" ({self.column})"
        return w.say("{severity}: {where}: {message}", "{severity} : {where} : {message}",
                     severity=w.term(self.severity), where=where,
                     message=w.sentence(self.message))

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["value"] is not None and not isinstance(d["value"], (int, float, str, bool)):
            d["value"] = str(d["value"])
        return d


class InputError(Exception):
    """The input cannot be used as it is; ``findings`` says every reason at once."""

    def __init__(self, findings: list[Finding]):
        self.findings = [f for f in findings]
        errors = [f for f in findings if f.severity == ERROR]
        super().__init__("\n".join(str(f) for f in errors) or "invalid input")

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


def column_letter(index: int) -> str:
    """Excel letters of a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
