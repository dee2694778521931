"""The blank input workbook (``allocator template``), written from the schema alone.

Every sheet, header, comment, drop-down, bound, example row and scenario parameter below comes
from :mod:`allocator.core.schema`; nothing about the input is restated here. The workbook opens
with an ``instructions`` sheet (which the reader ignores), then one sheet per ``schema.SHEETS``
in order, then the ``scenarios`` sheet holding the default scenario.
"""
from __future__ import annotations

import os

from xlsxwriter import Workbook
from xlsxwriter.utility import xl_col_to_name

from allocator.core import schema
from allocator.report.files import atomic_output

INSTRUCTIONS_SHEET = "instructions"
EXAMPLE_ROWS = 3
VALIDATED_ROWS = 10_000  # data rows 2 … 10 001 carry the drop-downs and bounds

# Labels of the programme's five default axes, for the themes sheet.
THEME_LABELS = {
    "ecological_transition": "Transition écologique",
    "innovation": "Innovation",
    "skills_recruitment": "Compétences et recrutement",
    "industrial_land": "Foncier industriel",
    "attractiveness": "Attractivité",
}
# Family members the default scenario spells out (the help of weight.<outcome> says why).
FAMILY_DEFAULTS = {"weight.<outcome>": {outcome: 1 for outcome in schema.DEFAULT_OUTCOMES}}
BOOLEAN_CHOICES = ("oui", "non", "yes", "no")
EURO_FORMAT = '#,##0 "€"'
TEXT_KINDS = (schema.ID, schema.TEXT, schema.CHOICE, schema.ID_LIST)
NUMBER_KINDS = (schema.NUMBER, schema.INTEGER)
_HUGE = 1e300  # bounds of "any number"


def write_template(path: str | os.PathLike) -> None:
    """Write a blank input workbook, with examples, drop-downs and instructions, to ``path``."""
    with atomic_output(path) as tmp:
        workbook = Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                       "strings_to_urls": False})
        workbook.set_properties({"title": "allocator input workbook",
                                 "comments": "Written by allocator template"})
        formats = _Formats(workbook)
        _write_instructions(workbook.add_worksheet(INSTRUCTIONS_SHEET), formats)
        for sheet in schema.SHEETS:
            _write_sheet(workbook.add_worksheet(sheet.name), sheet, formats)
        _write_scenarios(workbook.add_worksheet(schema.SCENARIOS_SHEET), formats)
        workbook.close()


class _Formats:
    def __init__(self, workbook: Workbook):
        add = workbook.add_format
        self.header = add({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
        self.required_header = add({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                                    "bottom": 1})
        self.euro = add({"num_format": EURO_FORMAT})
        self.text = add({"num_format": "@"})
        self.title = add({"bold": True, "font_size": 14})
        self.heading = add({"bold": True, "font_size": 12, "top": 1})
        self.bold = add({"bold": True})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.top = add({"valign": "top", "align": "left"})
        self.euro_top = add({"num_format": EURO_FORMAT, "valign": "top", "align": "left"})

    def column(self, kind: str, unit: str):
        if unit == "€":
            return self.euro
        return self.text if kind in TEXT_KINDS else None


# --- data sheets -----------------------------------------------------------------------------

def _example_rows(sheet: schema.Sheet) -> list[dict[str, object]]:
    if sheet is schema.THEMES:  # the themes sheet lists every default theme, not three
        return [{"theme": t, "label": THEME_LABELS.get(t)} for t in schema.DEFAULT_THEMES]
    return [{c.name: (c.example[i] if i < len(c.example) else None) for c in sheet.columns}
            for i in range(EXAMPLE_ROWS)]


def _write_sheet(ws, sheet: schema.Sheet, formats: _Formats) -> None:
    rows = _example_rows(sheet)
    for col, column in enumerate(sheet.columns):
        fmt = formats.column(column.kind, column.unit)
        ws.write_string(0, col, column.name,
                        formats.required_header if column.required else formats.header)
        ws.write_comment(0, col, _column_note(column),
                         {"author": "allocator", "x_scale": 2.2, "y_scale": 1.6})
        for r, row in enumerate(rows, start=1):
            _write_value(ws, r, col, row.get(column.name), fmt)
        ws.set_column(col, col, _width(column, rows), fmt)
        validation = _column_validation(sheet, column)
        if validation:
            _validate(ws, 1, col, VALIDATED_ROWS, col, validation)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), len(sheet.columns) - 1)


def _column_note(column: schema.Column) -> str:
    lines = [column.help]
    if column.unit:
        lines.append(f"Unit: {column.unit}")
    lines.append("Required." if column.required else "Optional.")
    lines.append(f"Expected: {column.expectation}.")
    if column.aliases:
        lines.append("Also accepted as header: " + ", ".join(column.aliases) + ".")
    return "\n".join(lines)


def _width(column: schema.Column, rows: list[dict]) -> float:
    texts = [column.name] + [_display(row.get(column.name), column.unit) for row in rows]
    return min(max(max(len(t) for t in texts) + 3, 10), 45)


def _display(value: object, unit: str) -> str:
    if value is None:
        return ""
    if unit == "€" and isinstance(value, (int, float)):
        return f"{value:,.0f} €"
    return str(value)


def _reference(sheet: schema.Sheet, column: schema.Column) -> str | None:
    """The range of another sheet whose key this column names (territory_id, region, theme)."""
    for target in schema.SHEETS:
        if target is not sheet and target.key == column.name:
            index = [c.name for c in target.columns].index(target.key)
            letter = xl_col_to_name(index)
            return f"='{target.name}'!${letter}$2:${letter}${VALIDATED_ROWS + 1}"
    return None


def _column_validation(sheet: schema.Sheet, column: schema.Column) -> dict | None:
    message = f"{column.name}: {column.expectation}."
    if (source := _reference(sheet, column)) is not None:
        target = source.split("'")[1]
        return {"validate": "list", "source": source, "error_type": "warning",
                "error_title": column.name[:32],
                "error_message": f"{column.name}: not (yet) in the {target} sheet."}
    if column.choices:
        return {"validate": "list", "source": list(column.choices), "error_type": "stop",
                "error_title": column.name[:32], "error_message": message}
    if column.kind == schema.BOOLEAN:
        # Other spellings (true/false, 1/0, x) are accepted too: warn, do not stop.
        return {"validate": "list", "source": list(BOOLEAN_CHOICES), "error_type": "warning",
                "error_title": column.name[:32], "error_message": message}
    if column.kind in NUMBER_KINDS:
        return _bounds(column.name, column.kind, column.lo, column.hi, message)
    return None


def _bounds(name: str, kind: str, lo, hi, message: str) -> dict:
    rule: dict[str, object] = {
        "validate": "integer" if kind == schema.INTEGER else "decimal", "error_type": "stop",
        "error_title": name[:32], "error_message": message[:255]}
    if lo is not None and hi is not None:
        rule.update(criteria="between", minimum=lo, maximum=hi)
    elif lo is not None:
        rule.update(criteria=">=", value=lo)
    elif hi is not None:
        rule.update(criteria="<=", value=hi)
    else:  # any number, but a number
        rule.update(criteria="between", minimum=-_HUGE, maximum=_HUGE)
    return rule


def _validate(ws, first_row: int, first_col: int, last_row: int, last_col: int,
              rule: dict) -> None:
    if ws.data_validation(first_row, first_col, last_row, last_col, rule) != 0:
        raise ValueError(f"{ws.name}: data validation rejected: {rule}")


def _write_value(ws, row: int, col: int, value: object, fmt=None) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:  # always text, never a formula, whatever it begins with
        ws.write_string(row, col, str(value), fmt)


# --- scenarios -------------------------------------------------------------------------------

def _scenario_rows() -> list[tuple[schema.Parameter, str, object]]:
    """Rows of the default scenario: (parameter, name, default value or None)."""
    rows = []
    for p in schema.PARAMETERS:
        if p.family is None:
            rows.append((p, p.name, p.default))
        else:
            for member, value in FAMILY_DEFAULTS.get(p.name, {}).items():
                rows.append((p, p.name.replace(f"<{p.family}>", member), value))
    return rows


def _write_scenarios(ws, formats: _Formats) -> None:
    ws.write_string(0, 0, "parameter", formats.header)
    ws.write_string(0, 1, "default", formats.header)
    for r, (p, name, value) in enumerate(_scenario_rows(), start=1):
        ws.write_string(r, 0, name, formats.text)
        ws.write_comment(r, 0, _parameter_note(p), {"author": "allocator", "x_scale": 2.2})
        _write_value(ws, r, 1, value, formats.euro if p.unit == "€" else None)
        if p.choices:
            rule = {"validate": "list", "source": list(p.choices), "error_type": "stop",
                    "error_title": name[:32],
                    "error_message": f"{name}: one of {', '.join(p.choices)}."}
        elif p.kind in NUMBER_KINDS:
            rule = _bounds(name, p.kind, p.lo, p.hi, f"{name}: {_expectation(p)}.")
        else:
            continue
        _validate(ws, r, 1, r, 1, rule)
    ws.set_column(0, 0, max(len(name) for _, name, _ in _scenario_rows()) + 3)
    ws.set_column(1, 1, 16)
    ws.freeze_panes(1, 1)


def _expectation(p: schema.Parameter) -> str:
    return schema.Column(p.name, p.kind, p.help, lo=p.lo, hi=p.hi, choices=p.choices).expectation


def _parameter_note(p: schema.Parameter) -> str:
    lines = [p.help, f"Expected: {_expectation(p)}."]
    if p.unit:
        lines.append(f"Unit: {p.unit}")
    return "\n".join(lines)


# --- instructions ----------------------------------------------------------------------------

GENERAL = (
    "This workbook is the input of allocator. Only the projects sheet is required; the others "
    "add rules and data when filled.",
    "Each sheet holds example rows that agree with each other: replace them with your data "
    "(or try the tool on them first).",
    "Keep the header row. Columns may come in any order; French headers such as "
    "'Coût total (€)' are accepted too (case, accents and spacing do not matter). Hover over "
    "a header to read its meaning, unit, expected values and accepted names. Dark headers "
    "mark required columns.",
    "Amounts are in euros, as plain numbers (1500000, not '1,5 M€'). Rates and shares are "
    "between 0 and 1 (0.25 for 25 %). Yes/no columns take oui/non, yes/no, true/false, 1/0 or x.",
    "Drop-down lists offer the themes of the themes sheet, the territories of the territories "
    "sheet, the regions of the regions sheet, and the fixed choices (lock: in/out). Values not "
    "(yet) in another sheet only raise a warning, so sheets may be filled in any order; "
    "numbers out of bounds are refused.",
    "The scenarios sheet holds one scenario per column (its header is the scenario's name), one "
    "parameter per row (column A). Copy the default column to try other budgets, weights or "
    "rules. Parameters named with <outcome> or <theme> stand for one row per outcome or theme, "
    "e.g. weight.jobs or theme_min.innovation.",
    "Check the filled workbook with `allocator validate`, then run `allocator solve` on it.",
)
TABLE_HEADERS = ("column", "required", "expected", "unit", "also accepted as header", "meaning")
WIDTHS = (34, 16, 34, 8, 40, 70)


def _write_instructions(ws, formats: _Formats) -> None:
    ws.write_string(0, 0, "allocator — how to fill this workbook", formats.title)
    row = 2
    for paragraph in GENERAL:  # merged across the table's width, wrapped
        ws.merge_range(row, 0, row, len(TABLE_HEADERS) - 1, paragraph, formats.wrap)
        ws.set_row(row, 15 * (len(paragraph) // (sum(WIDTHS) - 30) + 1))
        row += 1
    for sheet in schema.SHEETS:
        row += 1
        need = "required" if sheet.required else "optional"
        ws.write_string(row, 0, f"Sheet {sheet.name} ({need})", formats.heading)
        ws.write_string(row, 1, sheet.help, formats.heading)
        for col in range(2, len(TABLE_HEADERS)):
            ws.write_blank(row, col, None, formats.heading)
        row += 1
        for col, title in enumerate(TABLE_HEADERS):
            ws.write_string(row, col, title, formats.bold)
        row += 1
        for c in sheet.columns:
            cells = (c.name, "yes" if c.required else "", c.expectation, c.unit,
                     ", ".join(c.aliases), c.help)
            _write_texts(ws, row, cells, formats.wrap)
            row += 1
        for pat in sheet.patterns:
            expectation = schema.Column(pat.template, pat.kind, pat.help, lo=pat.lo).expectation
            cells = (pat.template, "", expectation, pat.unit, "(a family of columns)", pat.help)
            _write_texts(ws, row, cells, formats.wrap)
            row += 1
    row += 1
    ws.write_string(row, 0, f"Sheet {schema.SCENARIOS_SHEET} (optional)", formats.heading)
    ws.write_string(row, 1, "One column per scenario, one row per parameter; the same names "
                    "work in a TOML scenario file and with --set name=value.", formats.heading)
    for col in range(2, len(TABLE_HEADERS)):
        ws.write_blank(row, col, None, formats.heading)
    row += 1
    for col, title in enumerate(("parameter", "default", "expected", "unit", "", "meaning")):
        if title:
            ws.write_string(row, col, title, formats.bold)
    row += 1
    for p in schema.PARAMETERS:
        _write_texts(ws, row, (p.name, "", _expectation(p), p.unit, "", p.help), formats.wrap)
        _write_value(ws, row, 1, p.default, formats.euro_top if p.unit == "€" else formats.top)
        row += 1
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    ws.activate()


def _write_texts(ws, row: int, cells: tuple, fmt) -> None:
    for col, text in enumerate(cells):
        if text:
            ws.write_string(row, col, str(text), fmt)
