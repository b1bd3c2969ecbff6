"""Judging raw probe answers, and the gradebook: CSV, JSON, one HTML feedback page per student.

Everything here runs in the trusted grader. ``judge`` turns one run's raw answers into points with
each check's comparison; ``write_results`` writes ``gradebook.csv`` (student, one column per
question, total, max, status, seconds), ``gradebook.json`` (everything, per check),
``feedback/<student>.html`` and ``grading.log``, each atomically. ``merge_gradebooks`` joins the
``gradebook.json`` of several shards.

Example:
    >>> print(format_table(json.loads(Path("build/grades/gradebook.json").read_text())))  # doctest: +SKIP
    student   q1  q2  q3  q4  total  max  status
    perfect    2   2   4   2     10   10  ok
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from pathlib import Path
from typing import Any

from cnnlab.execute import atomic_write
from cnnlab.grading.checks import compare
from cnnlab.grading.lab import Lab
from cnnlab.grading.wire import decode

NOT_ATTEMPTED, NOT_RUN = "not attempted", "not run"


def zero_record(lab: Lab, status: str, reason: str) -> dict[str, Any]:
    """A result worth 0 for a submission that could not run at all (``status`` says why)."""
    questions = {
        q: {
            "points": 0,
            "max": lab.max_points[q],
            "status": NOT_RUN,
            "reason": reason,
            "checks": [],
        }
        for q in lab.questions
    }
    total = sum(lab.max_points.values())
    return {"status": status, "reason": reason, "cell": None, "seconds": 0.0, "total": 0,
            "max": total, "questions": questions}  # fmt: skip


def _judge_check(check, expected, answer) -> tuple[bool, str]:
    """(passed, what went wrong) for one check's raw answer."""
    if "value" not in answer:
        return False, str(answer.get("error") or "no answer")
    try:
        got = decode(answer["value"])
    except ValueError as error:
        return False, str(error)
    difference = compare(expected, got, check)
    if difference is None:
        return True, ""
    if check.hint is not None:
        try:
            specific = check.hint(expected, got)
        except Exception:
            specific = None
        if specific:
            return False, str(specific)
    return False, difference


def judge(lab: Lab, expected: dict[str, Any], raw: dict[str, Any], untouched: list[str]) -> dict:
    """Points per question from one run's raw answers (see ``runner.run_probed``)."""
    questions = {}
    for question in lab.questions:
        answers = raw["answers"].get(question)
        checks, earned, errors = [], 0.0, []
        for check in (c for c in lab.checks if c.question == question):
            if answers is None:
                passed, detail = False, NOT_RUN
            else:
                answer = answers.get(check.name) or {"error": answers.get("__error__", "no answer")}
                passed, detail = _judge_check(check, expected[check.name], answer)
            earned += check.points if passed else 0
            errors.append(detail)
            checks.append({"name": check.name, "hidden": check.hidden, "passed": passed,
                           "points": check.points if passed else 0, "max": check.points,
                           "message": "" if passed else check.message, "detail": detail})  # fmt: skip
        full = lab.max_points[question]
        stubbed = all(e.startswith("NotImplementedError") for e in errors)
        cell_errors = raw["errors"].get(question, [])
        if answers is None:
            status, reason = NOT_RUN, raw["not_run"].get(question, "")
        elif earned == 0 and (question in untouched or stubbed):
            status, reason = NOT_ATTEMPTED, ""
        else:
            status = "passed" if earned == full else "partial" if earned else "failed"
            reason = "; ".join(cell_errors)
        questions[question] = {"points": earned, "max": full, "status": status, "reason": reason,
                               "checks": checks}  # fmt: skip
    total = sum(q["points"] for q in questions.values())
    return {"status": raw["status"], "reason": raw["reason"], "cell": raw["cell"],
            "seconds": raw["seconds"], "total": total, "max": sum(lab.max_points.values()),
            "questions": questions}  # fmt: skip


def _number(value: float) -> str:
    return f"{value:g}"


def gradebook_csv(book: dict[str, Any]) -> str:
    """The CSV text: student, one column per question, total, max, status, seconds."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    questions = list(book["questions"])
    writer.writerow(["student", *questions, "total", "max", "status", "seconds"])
    for record in book["students"]:
        points = [_number(record["questions"].get(q, {}).get("points", 0)) for q in questions]
        writer.writerow([record["student"], *points, _number(record["total"]), _number(record["max"]),
                         record["status"], f"{record['seconds']:.1f}"])  # fmt: skip
    return buffer.getvalue()


def format_table(book: dict[str, Any]) -> str:
    """The gradebook as an aligned text table, with each record's reason when it has one."""
    questions = list(book["questions"])
    rows = [["student", *questions, "total", "max", "status", "reason"]]
    for r in book["students"]:
        points = [_number(r["questions"].get(q, {}).get("points", 0)) for q in questions]
        rows.append([r["student"], *points, _number(r["total"]), _number(r["max"]), r["status"],
                     (r["reason"] or "")[:70]])  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) if i in (0, len(row) - 2, len(row) - 1) else cell.rjust(w)
                  for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
        for row in rows
    )  # fmt: skip


def feedback_html(record: dict[str, Any], lab_name: str) -> str:
    """One student's feedback page; hidden checks show their name and result only."""
    e = html.escape
    parts = [f"<!doctype html><meta charset='utf-8'><title>{e(lab_name)}: {e(record['student'])}</title>",
             "<style>body{font-family:sans-serif;max-width:52em;margin:2em auto}td,th{padding:.2em .6em;"
             "text-align:left;vertical-align:top}.passed{color:#176d17}.failed{color:#a11}</style>",
             f"<h1>{e(lab_name)} — {e(record['student'])}</h1>",
             f"<p><b>{_number(record['total'])} / {_number(record['max'])} points</b> · status: "
             f"{e(record['status'])}</p>"]  # fmt: skip
    if record.get("reason"):
        parts.append(f"<p>{e(record['reason'])}</p>")
    for question, result in record["questions"].items():
        parts.append(f"<h2>{e(question)}: {_number(result['points'])} / {_number(result['max'])}"
                     f" — {e(result['status'])}</h2>")  # fmt: skip
        if result.get("reason"):
            parts.append(f"<p>{e(result['reason'])}</p>")
        rows = []
        for check in result["checks"]:
            state = "passed" if check["passed"] else "failed"
            note = "" if check["hidden"] or check["passed"] else e(check["message"])
            if not check["hidden"] and not check["passed"] and check["detail"]:
                note += f"<br><small>{e(check['detail'])}</small>"
            label = e(check["name"]) + (" (hidden)" if check["hidden"] else "")
            rows.append(f"<tr><td>{label}</td><td class='{state}'>{state}</td>"
                        f"<td>{_number(check['points'])}/{_number(check['max'])}</td><td>{note}</td></tr>")  # fmt: skip
        if rows:
            parts.append("<table><tr><th>check</th><th>result</th><th>points</th><th>what to look at</th></tr>"
                         + "".join(rows) + "</table>")  # fmt: skip
    return "\n".join(parts) + "\n"


def safe_name(student: str) -> str:
    """A file name for ``student`` (anything but letters, digits, ``._-`` becomes ``_``)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", student) or "_"


def write_results(book: dict[str, Any], out: Path, log_lines: list[str]) -> None:
    """Write gradebook.csv/json, feedback pages and append to grading.log, each atomically."""
    records = [
        {k: v for k, v in r.items() if k not in ("path", "cached")} for r in book["students"]
    ]
    book = {**book, "students": records}
    atomic_write(out / "gradebook.json", json.dumps(book, indent=1) + "\n")
    atomic_write(out / "gradebook.csv", gradebook_csv(book))
    for record in records:
        atomic_write(out / "feedback" / f"{safe_name(record['student'])}.html",
                     feedback_html(record, book["lab"]))  # fmt: skip
    log = out / "grading.log"
    previous = log.read_text(encoding="utf-8") if log.is_file() else ""
    atomic_write(log, previous + "\n".join(log_lines) + "\n")


def merge_gradebooks(paths: list[str | os.PathLike], *, out: str | os.PathLike) -> dict[str, Any]:
    """Join the ``gradebook.json`` of several shards (files or result folders) into ``out``.

    Raises:
        ValueError: no paths, a missing file, or gradebooks of different labs or lab versions.
    """
    if not paths:
        raise ValueError(
            "`paths` must name at least one gradebook.json or results folder. Got none."
        )
    books = []
    for path in map(Path, paths):
        path = path / "gradebook.json" if path.is_dir() else path
        if not path.is_file():
            raise ValueError(
                f"`paths` must be gradebook.json files or folders holding one. Got {str(path)!r}."
            )
        books.append(json.loads(path.read_text(encoding="utf-8")))
    versions = {(b["lab"], b["lab_digest"]) for b in books}
    if len(versions) != 1:
        raise ValueError(
            f"gradebooks to merge must come from one lab version. Got {sorted(versions)}."
        )
    students = {r["student"]: r for b in books for r in b["students"]}
    merged = {**books[0], "shard": "merged", "students": [students[s] for s in sorted(students)]}
    out = Path(out)
    atomic_write(out / "gradebook.json", json.dumps(merged, indent=1) + "\n")
    atomic_write(out / "gradebook.csv", gradebook_csv(merged))
    return merged
