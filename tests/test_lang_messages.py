"""Messages about bad input and failed commands in French (``--lang fr``, issue 14): every
validation finding, every refusal of a file, an option or an output, read back through its
template of ``core.lang.MESSAGES``; the place it names (sheet, Excel cell or row, header) as
the English names it; English the default and unchanged.

The bad-input corpora (tests/corpus.py in process, tests/bad_inputs.py through the command
line) are said in both languages: a message of no French template fails here."""
from __future__ import annotations

import re

import pytest
from bad_inputs import CASES as BAD_INPUTS
from click.testing import CliRunner
from corpus import CASES, base, write
from test_lang import _fields

import allocator
from allocator.cli import main
from allocator.core import lang
from allocator.core.findings import ERROR, Finding, InputError

FR = lang.words("fr")
NB = lang.NBSP


# the fixed words of the English templates, a few words long, that no French template holds:
# one of them in a French message is English left in it
FRAGMENTS = {part.strip(" :;,().") for en, _ in [*lang.MESSAGES.values(), *lang.PHRASES.values()]
             for part in re.split(r"\{\w+\}", en)}
FRAGMENTS = {f for f in FRAGMENTS if " " in f and len(f) > 8 and not any(
    f in fr for _, fr in [*lang.MESSAGES.values(), *lang.PHRASES.values()])}


def _english_in(french: str) -> list[str]:
    return [f for f in FRAGMENTS if f in french]


def test_every_message_has_french_with_the_same_fields():
    for key, (en, fr) in lang.MESSAGES.items():
        assert fr and fr != en, f"{key}: no French wording"
        assert _fields(fr) == _fields(en), key
        assert key not in lang.PHRASES, f"{key} is a key of PHRASES too"


def test_each_filled_message_reads_back_into_its_own_french():
    # fields filled with marks that no translation changes: a template another one shadows
    # (its English read by the wrong French) fails here
    for key, (en, fr) in lang.MESSAGES.items():
        # a count's field reads digits only (``lang.FIELDS``), and digits stay as they are
        marks = {f: "7" if f == "n" else f"<{f}>" for f in _fields(en)}
        assert lang.translate(en.format(**marks)) == fr.format(**marks), key


def test_the_users_text_stays_as_written_and_figures_turn_french():
    said = FR.sentence(lang.phrase("requested.cost", requested="1 200 000.5", cost="900 000"))
    assert said == f"requested (1{NB}200{NB}000,5) dépasse total_cost (900{NB}000)"
    # a cell as written keeps its decimal point; the expectation inside is said in French
    said = FR.sentence(lang.phrase("cell.found", given="'1.5 ha'",
                                   expected=lang.phrase("expect.number_from", lo="0")))
    assert said == "valeur lue '1.5 ha' : il faut un nombre ≥ 0"
    # a sheet, a header or an outcome named in a message is the file's name, never a term
    said = FR.sentence(lang.phrase("range.low", column="jobs_low", figure="12.5",
                                   outcome="jobs", central="10"))
    assert said == "jobs_low (12,5) est au-dessus de jobs (10)"
    said = FR.sentence(lang.phrase("parameter", name="base", param="weight.jobz",
                                   problem=lang.phrase("parameter.outcome", given="jobz",
                                                       known="jobs, skills")))
    assert said == ("scénario « base », paramètre « weight.jobz » : résultat « jobz » "
                    "inconnu ; ceux qui existent : jobs, skills")


def test_a_finding_names_its_place_in_french_as_in_english():
    f = Finding(ERROR, "projects", lang.phrase("cell.empty", expected=lang.phrase(
        "expect.number_from", lo="0")), row=12, column="Coût total (€)", cell="E12")
    assert str(f) == "error: projects!E12 (Coût total (€)): empty: expected a number ≥ 0"
    assert f.said(FR) == "erreur : projects!E12 (Coût total (€)) : vide : il faut un nombre ≥ 0"
    row = Finding("warning", "projects.csv", lang.phrase("header.below", row=3), row=3)
    assert str(row) == "warning: projects.csv row 3: the header is on row 3: the rows above " \
                       "it are not read"
    assert row.said(FR) == "avertissement : projects.csv ligne 3 : l'en-tête est à la ligne " \
                           "3 : les lignes au-dessus ne sont pas lues"


# ----------------------------------------------------------------------------- the corpora

def _said_alike(english: str, french: str) -> bool:
    """Whether ``french`` is ``english`` said in French: one template read back, or a finding
    ("error: PLACE: MESSAGE") whose place is kept and whose message is read back."""
    if lang.translate(english) == french:
        return True
    m = re.fullmatch(r"(error|warning): (.+)", english)
    if m is None:
        return False
    severity, rest = lang.TERMS[m[1]], m[2]
    for k in (i.start() for i in re.finditer(": ", rest)):  # the place ends at one of these
        place, message = rest[:k], rest[k + 2:]
        place = re.sub(r" row (\d+)( \(|$)", r" ligne \1\2", place)
        said = lang.translate(message)
        if said is not None and french == f"{severity} : {place} : {said}":
            return True
    return False


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_finding_of_the_validation_corpus_is_said_in_french(case, tmp_path):
    grids = base()
    case.mutate(grids)
    for fmt in case.formats:
        try:
            problem = allocator.load(write(grids, tmp_path / fmt.replace(";", "_"), fmt))
            findings = list(problem.warnings)
        except InputError as exc:
            findings = exc.findings
        for f in findings:
            french = f.said(FR)
            assert lang.translate(f.message) is not None, f"no French for: {f.message}"
            assert _said_alike(str(f), french), (str(f), french)
            assert not _english_in(french), (french, _english_in(french))


def _run(case, folder, *lang_args):
    folder.mkdir(parents=True, exist_ok=True)
    path = case.build(folder)
    fill = {"input": path, "folder": folder}
    args = [a.format(**fill) for a in case.args]
    given = [] if case.command == "template" else [str(path)]
    return CliRunner().invoke(main, [case.command, *given, *lang_args, *args])


def _said_in_french(english: str, french: str) -> None:
    en_lines, fr_lines = english.splitlines(), french.splitlines()
    assert len(en_lines) == len(fr_lines) > 0, (english, french)
    for en, fr in zip(en_lines, fr_lines):
        assert _said_alike(en, fr), f"not said in French:\n{en}\n{fr}"
        assert not _english_in(fr), (fr, _english_in(fr))


SAID = [c for c in BAD_INPUTS if c.code == 2]


@pytest.mark.parametrize("case", SAID, ids=[c.id for c in SAID])
def test_every_refusal_of_the_bad_input_corpus_is_said_in_french(case, tmp_path):
    english = _run(case, tmp_path / "en")
    french = _run(case, tmp_path / "fr", "--lang", "fr")
    assert english.exit_code == french.exit_code == 2, (english.output, french.output)
    assert isinstance(french.exception, SystemExit), french.exception
    assert "Traceback" not in french.output and "internal error" not in english.stderr
    # paths differ between the two runs' folders
    _said_in_french(english.stderr.replace(str(tmp_path / "en"), "DIR"),
                    french.stderr.replace(str(tmp_path / "fr"), "DIR"))


# Pabulib files with what allocator cannot read, each line a finding
PB = {
    "no_budget_no_cost": "META\nkey;value\nvote_type;approval\nPROJECTS\nproject_id;name\n1;a\n",
    "bad_cells": "META\nkey;value\nbudget;lots\nbudget_per_category;1,2\n"
                 "min_project_score_threshold;high\nPROJECTS\nproject_id;cost;votes\n1;-5;\n"
                 "2;x;3\nVOTES\nvoter_id;vote\n1;1,9\n2;\n3;2,2\n",
    "vote_type": "META\nkey;value\nbudget;10\nvote_type;quadratic\nPROJECTS\n"
                 "project_id;cost;votes\n1;5;1\n",
    "ordinal": "META\nkey;value\nbudget;10\nvote_type;ordinal\nscoring_fn;cubic\nPROJECTS\n"
               "project_id;cost;score\n1;5;9\n2;5;1\nVOTES\nvoter_id;vote\n1;1,2\n",
    "cumulative": "META\nkey;value\nbudget;10\nvote_type;cumulative\nnum_projects;1\n"
                  "PROJECTS\nproject_id;cost;votes\n1;5;1\nVOTES\nvoter_id;vote\n1;1\n",
    "count": "META\nkey;value\nbudget;10\nnum_projects;3\nPROJECTS\nproject_id;cost;votes\n"
             "1;5;1\n",
}


@pytest.mark.parametrize("text", PB.values(), ids=PB)
def test_a_pabulib_file_refused_is_said_in_french(text, tmp_path):
    path = tmp_path / "election.pb"
    path.write_text(text, encoding="utf-8")
    english = CliRunner().invoke(main, ["validate", str(path)])
    french = CliRunner().invoke(main, ["validate", str(path), "--lang", "fr"])
    assert english.exit_code == french.exit_code == 2, english.output
    assert "Traceback" not in french.output
    _said_in_french(english.stderr, french.stderr)


@pytest.mark.parametrize("case", [c for c in SAID if c.id in (
    "blank_rows", "unknown_scenario", "output_not_ours", "png_that_is_no_png", "zip_bomb")],
    ids=lambda c: c.id)
def test_english_is_the_default_and_says_what_it_said(case, tmp_path):
    default = _run(case, tmp_path / "default")
    english = _run(case, tmp_path / "en", "--lang", "en")
    assert default.stderr.replace(str(tmp_path / "default"), "DIR") == \
        english.stderr.replace(str(tmp_path / "en"), "DIR")
    for fragment in case.fragments:
        assert fragment in default.stderr, (fragment, default.stderr)
    assert not re.search(r"\b(erreur|valeur lue|il faut|feuille)\b", default.stderr)


def test_the_scenarios_lang_speaks_once_the_scenario_is_chosen(tmp_path):
    # no --lang: a failure after the scenario is chosen is said in its language
    grids = base()
    grids["scenarios"].append(["lang", "fr"])
    path = write(grids, tmp_path / "in", "xlsx")
    r = CliRunner().invoke(main, ["solve", str(path), "-o", str(path)])
    assert r.exit_code == 2
    assert r.stderr.startswith("erreur : ") and "la sortie écraserait l'entrée" in r.stderr
    # before it is chosen (a bad --set), English: the workbook's language is not known yet
    r = CliRunner().invoke(main, ["solve", str(path), "--set", "budget"])
    assert r.exit_code == 2 and r.stderr.startswith("error: --set: 'budget' is not key=value")
