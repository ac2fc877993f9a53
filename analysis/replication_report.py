"""The replication report: what reproduced, number by number, as Markdown and HTML.

The report is built once as a list of sections (a heading, a paragraph, a table) and written
in both formats, with the full comparison (one row per quantity) as CSV beside them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.files import atomic_output
from analysis.replication import STATUSES, Tolerances

#: Rows of mismatches printed in the report (all are in ``comparison.csv``).
MAX_MISMATCH_ROWS = 200
REPORT_NAMES = ("replication-report.md", "replication-report.html", "comparison.csv")


@dataclass
class Section:
    """One part of the report: a heading, an explanatory paragraph and an optional table."""

    title: str
    text: str = ""
    table: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunFacts:
    """What the report says about how the reproduction ran."""

    command: str
    how_run: str
    wall_seconds: float | None
    step_seconds: dict[str, float]
    git: dict[str, Any]
    environment: dict[str, Any]
    expected_environment: dict[str, Any]


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(lambda column: column.map(_shown))


def verdict(comparison: pd.DataFrame) -> str:
    """``PASS`` when every quantity reproduced within its tolerance, else ``FAIL``."""
    return "PASS" if len(comparison) and comparison["status"].eq("ok").all() else "FAIL"


def _summary_table(
    comparison: pd.DataFrame, exhibits: pd.DataFrame, files: pd.DataFrame
) -> pd.DataFrame:
    counts = comparison["status"].value_counts()
    rows = [("quantities compared", len(comparison))]
    rows += [(f"quantities {status}", int(counts.get(status, 0))) for status in STATUSES]
    kinds = exhibits["exhibit"].str.split(":").str[0]
    for kind, label in (("value", "in-text numbers"), ("table", "tables"), ("figure", "figures")):
        chosen = exhibits[kinds.eq(kind)]
        rows.append(
            (f"{label} reproduced / compared", f"{chosen['status'].eq('ok').sum()} / {len(chosen)}")
        )
    file_counts = files["status"].value_counts()
    for status in ("byte-identical", "equal within tolerance", "differs", "missing", "unexpected"):
        rows.append((f"output files {status}", int(file_counts.get(status, 0))))
    return pd.DataFrame(rows, columns=["", "count"])


def _environment_table(facts: RunFacts) -> pd.DataFrame:
    keys = ["lock_sha256", "python", "platform", "machine", "processor", "cpus", "memory_gib"]
    rows = [(key, facts.environment.get(key), facts.expected_environment.get(key)) for key in keys]
    dirty = " (uncommitted changes)" if facts.git.get("dirty") else ""
    rows.append(("git commit", f"{facts.git.get('commit')}{dirty}", ""))
    return pd.DataFrame(rows, columns=["", "this reproduction", "expected results made on"])


def _runtime_table(facts: RunFacts) -> pd.DataFrame:
    rows = sorted(facts.step_seconds.items())
    rows.append(("sum of steps", sum(facts.step_seconds.values())))
    if facts.wall_seconds is not None:
        rows.append(("wall time of the whole run", facts.wall_seconds))
    frame = pd.DataFrame(rows, columns=["step", "seconds"])
    return frame.assign(seconds=frame["seconds"].map(lambda s: f"{s:.1f}"))


def _values_table(comparison: pd.DataFrame) -> pd.DataFrame:
    values = comparison[comparison["exhibit"].str.startswith("value:")]
    numbers = values[values["item"].ne("text")]
    texts = values[values["item"].eq("text")].set_index("exhibit")
    table = numbers.assign(
        key=numbers["exhibit"].str.removeprefix("value:"),
        printed=numbers["exhibit"].map(texts["reproduced"]),
    )
    status = values.groupby("exhibit", sort=False)["status"].agg(
        lambda s: next((x for x in STATUSES[1:] if (s == x).any()), "ok")
    )
    table = table.assign(status=table["exhibit"].map(status))
    columns = ["key", "source", "item", "expected", "reproduced", "difference", "tolerance"]
    return table[[*columns, "printed", "status"]]


def build_sections(
    comparison: pd.DataFrame,
    exhibits: pd.DataFrame,
    files: pd.DataFrame,
    tolerances: Tolerances,
    facts: RunFacts,
) -> list[Section]:
    """The report's sections, in order."""
    result = verdict(comparison)
    mismatches = comparison[comparison["status"].ne("ok")]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        Section(
            f"Replication report: {result}",
            f"Made {stamp} by `{facts.command}`, which {facts.how_run} and compared every "
            "in-text number, every table cell and the data behind every figure with the "
            "expected results committed in `expected/`. "
            + (
                "Every quantity reproduced within its tolerance."
                if result == "PASS"
                else f"{len(mismatches)} quantities did not reproduce: see 'Mismatches'. "
                "A change that is intended is accepted with `python3 reproduce.py accept`, "
                "which prints the differences first."
            ),
        ),
        Section("Summary", table=_summary_table(comparison, exhibits, files)),
    ]
    if len(mismatches):
        shown = mismatches.head(MAX_MISMATCH_ROWS)
        sections.append(
            Section(
                "Mismatches",
                f"{len(mismatches)} quantities (the first {len(shown)} shown; all are in "
                "`comparison.csv`). 'missing': expected but not reproduced; 'unexpected': "
                "reproduced but not in the expected results.",
                shown[
                    [
                        "exhibit",
                        "item",
                        "expected",
                        "reproduced",
                        "difference",
                        "tolerance",
                        "status",
                    ]
                ],
            )
        )
    sections += [
        Section(
            "Environment",
            "The machine and software of this reproduction, beside those the expected results "
            "were made with. The lock's sha256 identifies every package version.",
            _environment_table(facts),
        ),
        Section(
            "Run time per step",
            "Seconds per step of this reproduction (Snakemake's benchmark files).",
            _runtime_table(facts),
        ),
        Section(
            "Output files",
            "Whether each output file is byte-identical to the one the expected results were "
            "made from. 'equal within tolerance': the bytes differ but every number in it "
            "reproduced. Executed notebooks and the provenance record are not compared byte "
            "for byte: they hold run times and dates by design.",
            files,
        ),
        Section(
            "Exhibits",
            "One row per in-text number, table and figure: quantities compared, the largest "
            "differences, the tolerance that applied and the status.",
            exhibits,
        ),
        Section(
            "In-text numbers",
            "Every value of the results store (what the paper prints, as `printed`).",
            _values_table(comparison),
        ),
        Section(
            "Tolerances",
            "From `expected/tolerances.yaml`. Integers (counts) and text are always compared "
            "exactly; other numbers pass when |reproduced - expected| <= atol + rtol x "
            "|expected|. The first rule that matches an exhibit applies.",
            _tolerance_table(tolerances),
        ),
    ]
    return sections


def _tolerance_table(tolerances: Tolerances) -> pd.DataFrame:
    rows = [
        (rule.rule, ", ".join([*patterns, *notebooks]), rule.label, rule.reason)
        for patterns, notebooks, rule in tolerances.rules
    ]
    rows.append(
        ("default", "every other exhibit", tolerances.default.label, tolerances.default.reason)
    )
    return pd.DataFrame(rows, columns=["rule", "applies to", "tolerance", "reason"])


def to_markdown(sections: list[Section]) -> str:
    """The report as Markdown (GitHub pipe tables)."""
    parts = []
    for level, section in enumerate(sections):
        parts.append(("# " if level == 0 else "## ") + section.title)
        if section.text:
            parts.append(section.text)
        if section.table is not None:
            parts.append(_display(section.table).to_markdown(index=False, disable_numparse=True))
    return "\n\n".join(parts) + "\n"


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; }
th { background: #f2f2f2; }
td.ok, td.byte-identical { color: #1a7f37; }
td.differs, td.missing, td.unexpected, td.FAIL { color: #b42318; font-weight: bold; }
h1.PASS { color: #1a7f37; } h1.FAIL { color: #b42318; }
"""


def _html_table(frame: pd.DataFrame) -> str:
    shown = _display(frame)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for record in shown.itertuples(index=False):
        cells = "".join(
            f'<td class="{html.escape(v.replace(" ", "-"))}">{html.escape(v)}</td>' for v in record
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _inline(text: str) -> str:
    escaped = html.escape(text)
    parts = escaped.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def to_html(sections: list[Section]) -> str:
    """The report as one self-contained HTML page."""
    title = sections[0].title
    body = []
    for level, section in enumerate(sections):
        tag = "h1" if level == 0 else "h2"
        css = f' class="{title.rsplit(" ", 1)[-1]}"' if level == 0 else ""
        body.append(f"<{tag}{css}>{html.escape(section.title)}</{tag}>")
        if section.text:
            body.append(f"<p>{_inline(section.text)}</p>")
        if section.table is not None:
            body.append(_html_table(section.table))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_report(sections: list[Section], comparison: pd.DataFrame, folder: Path) -> list[Path]:
    """Write the Markdown and HTML report and the full comparison CSV, each atomically."""
    contents = {
        REPORT_NAMES[0]: to_markdown(sections).encode("utf-8"),
        REPORT_NAMES[1]: to_html(sections).encode("utf-8"),
        REPORT_NAMES[2]: comparison.to_csv(index=False, lineterminator="\n").encode("utf-8"),
    }
    written = []
    for name, data in contents.items():
        with atomic_output(folder / name) as temporary:
            temporary.write_bytes(data)
        written.append(folder / name)
    return written
