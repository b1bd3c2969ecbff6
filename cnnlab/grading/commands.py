"""The grading subcommands of ``cnnlab``: release, grade, check, lab verify, gradebook merge.

``cnnlab.cli`` calls ``add_commands``; each handler imports what it needs when it runs, so
``cnnlab --help`` stays fast.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path


def _reporting(handler):
    """Print a user's mistake (or a broken lab) as one line on stderr and exit with status 2."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from cnnlab.grading.grader import LabError

        try:
            return handler(args)
        except (ValueError, LabError) as error:
            print(f"cnnlab {args.command}: {error}", file=sys.stderr)
            return 2

    return run


def _labs(names: list[str]) -> list:
    from cnnlab.grading.lab import list_labs, load_lab

    return [load_lab(name) for name in (names or list_labs())]


def _release(args: argparse.Namespace) -> int:
    from cnnlab.grading.course import check_target, release_course
    from cnnlab.grading.grader import solution_answers
    from cnnlab.grading.release import release_lab
    from cnnlab.settings import labs_root

    if args.dist:  # refuse a bad target before releasing anything
        check_target(args.dist, install=args.install, colab_url=args.colab_url, force=args.force)
    labs = _labs(args.labs)
    if not labs:
        raise ValueError(
            f"labs must be found in a course folder: {labs_root() or Path.cwd() / 'labs'} holds "
            "no lab (a folder with solution.ipynb and checks.py); run from your course folder."
        )
    for lab in labs:
        for path in release_lab(lab, solution_answers(lab)):
            print(f"wrote {path}")
    if args.dist:
        written = release_course(
            args.dist,
            labs=[lab.name for lab in labs],
            install=args.install,
            colab_url=args.colab_url,
            force=args.force,
        )
        print(
            f"student course in {args.dist}: {len(written)} files "
            "(notebooks, released labs, public checks, README.md, requirements.txt)"
        )
    return 0


def _grade(args: argparse.Namespace) -> int:
    from cnnlab.grading.gradebook import format_table
    from cnnlab.grading.grader import grade
    from cnnlab.grading.lab import list_labs
    from cnnlab.settings import samples_root

    if args.lab and not args.submissions:
        raise ValueError(f"`SUBMISSIONS` must be given with LAB {args.lab!r}. Got none.")
    samples = samples_root()
    if args.lab:
        runs = [(args.lab, Path(args.submissions), Path(args.out or f"build/grades/{args.lab}"))]
    else:  # no arguments: the bundled sample submissions of every lab
        if samples is None:
            raise ValueError(
                "`LAB` and `SUBMISSIONS` must be given: the bundled sample submissions ship only "
                "with a source checkout of cnnlab. Got neither."
            )
        out = Path(args.out or "build/grades")
        runs = [
            (name, samples / name, out / name) for name in list_labs() if (samples / name).is_dir()
        ]
    for lab, submissions, out in runs:
        book = grade(
            lab,
            submissions,
            out=out,
            jobs=args.jobs,
            cell_timeout=args.cell_timeout,
            timeout=args.timeout,
            memory_mb=args.memory,
            shard=args.shard,
            force=args.force,
        )
        print(f"\n{book['lab']}: {len(book['students'])} submissions -> {out}/gradebook.csv")
        print(format_table(book))
    return 0


def _check(args: argparse.Namespace) -> int:
    from cnnlab.grading.selfcheck import check_notebook

    report = check_notebook(args.notebook, args.question)
    print(report)
    return 0 if report.passed else 1


def _verify(args: argparse.Namespace) -> int:
    from cnnlab.grading.verify import verify_lab

    failed = 0
    for lab in _labs(args.labs):
        problems = verify_lab(lab, jobs=args.jobs)
        print(f"{lab.name}: {'ok' if not problems else 'FAILED'}")
        for problem in problems:
            print(f"  - {problem}")
        failed += bool(problems)
    return 1 if failed else 0


def _merge(args: argparse.Namespace) -> int:
    from cnnlab.grading.gradebook import format_table, merge_gradebooks

    book = merge_gradebooks(args.paths, out=args.out)
    print(format_table(book))
    print(f"merged {len(args.paths)} gradebooks into {args.out}/gradebook.csv")
    return 0


def add_commands(commands) -> None:
    """Register the grading subcommands on ``cnnlab``'s subparsers."""
    release = commands.add_parser("release", help="write student notebooks from the masters")
    release.add_argument("labs", nargs="*", metavar="LAB", help="lab names (default: all)")
    release.add_argument(
        "--dist", metavar="DIR", help="also write the student course (no masters, no hidden checks)"
    )
    release.add_argument(
        "--install",
        default="cnnlab",
        metavar="SPEC",
        help="where the notebooks install cnnlab from when it is missing: a pip requirement, "
        "a wheel URL or git+https://... (default: cnnlab)",
    )
    release.add_argument(
        "--colab-url",
        metavar="URL",
        help="add 'Open in Colab' links: URL + '/notebooks/NAME.ipynb', e.g. "
        "https://colab.research.google.com/github/ORG/REPO/blob/main",
    )
    release.add_argument(
        "--force", action="store_true", help="write into a non-empty --dist (deletes nothing)"
    )
    release.set_defaults(handler=_reporting(_release))

    grade = commands.add_parser("grade", help="grade submissions (no arguments: the samples)")
    grade.add_argument("lab", nargs="?", metavar="LAB", help="lab name or folder")
    grade.add_argument("submissions", nargs="?", metavar="SUBMISSIONS", help="folder of notebooks")
    grade.add_argument("--out", metavar="DIR", help="results folder (default build/grades/LAB)")
    grade.add_argument("--jobs", type=int, metavar="N", help="kernels at once (default: cores)")
    grade.add_argument("--cell-timeout", type=float, metavar="S", help="seconds per cell")
    grade.add_argument("--timeout", type=float, metavar="S", help="seconds per submission")
    grade.add_argument("--memory", type=int, metavar="MB", help="address space per kernel")
    grade.add_argument("--shard", metavar="i/N", help="grade only part i of N (then merge)")
    grade.add_argument("--force", action="store_true", help="ignore cached results")
    grade.set_defaults(handler=_reporting(_grade))

    check = commands.add_parser("check", help="run a notebook and its lab's public checks")
    check.add_argument("notebook", help="your lab notebook")
    check.add_argument("question", nargs="?", help="one question id (default: all)")
    check.set_defaults(handler=_reporting(_check))

    lab = commands.add_parser("lab", help="lab maintenance")
    lab_actions = lab.add_subparsers(dest="lab_action", metavar="ACTION", required=True)
    verify = lab_actions.add_parser("verify", help="solution full marks, release 0, no leaks")
    verify.add_argument("labs", nargs="*", metavar="LAB", help="lab names (default: all)")
    verify.add_argument("--jobs", type=int, default=2, metavar="N")
    verify.set_defaults(handler=_reporting(_verify))

    gradebook = commands.add_parser("gradebook", help="gradebook tools")
    book_actions = gradebook.add_subparsers(
        dest="gradebook_action", metavar="ACTION", required=True
    )
    merge = book_actions.add_parser("merge", help="join the gradebooks of several shards")
    merge.add_argument("paths", nargs="+", help="gradebook.json files or results folders")
    merge.add_argument("--out", required=True, metavar="DIR", help="where to write the merged one")
    merge.set_defaults(handler=_reporting(_merge))
