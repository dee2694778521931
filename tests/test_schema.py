"""The schema drives the README's column reference and the scenario parameters."""
import re
from pathlib import Path

from allocator.core.schema import PARAMETERS, SHEETS, column_reference, normalise_header, parameter

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_column_reference_is_up_to_date():
    text = README.read_text(encoding="utf-8")
    section = re.search(r"<!-- columns:begin -->\n(.*)<!-- columns:end -->", text, re.S)
    assert section, "README lacks the generated column reference"
    assert section.group(1) == column_reference(), (
        "README column reference is stale: regenerate it from `python -m allocator.core.schema`")


def test_header_matching_ignores_case_accents_spacing():
    assert normalise_header(" Coût total (€) ") == normalise_header("cout_total")
    assert normalise_header("Emplois créés") == "emplois_crees"
    assert normalise_header("use:Staff") == "use:staff"


def test_aliases_are_unambiguous_within_a_sheet():
    for sheet in SHEETS:
        seen = {}
        for column in sheet.columns:
            for alias in (column.name, *column.aliases):
                key = normalise_header(alias)
                assert seen.setdefault(key, column.name) == column.name, (sheet.name, alias)


def test_parameter_families_resolve():
    assert parameter("weight.jobs")[1] == "jobs"
    assert parameter("theme_min.innovation")[1] == "innovation"
    assert parameter("sites.max")[0].name == "sites.max"
    assert parameter("weight.") is None and parameter("nonsense") is None
    assert len({p.name for p in PARAMETERS}) == len(PARAMETERS)
