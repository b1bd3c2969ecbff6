"""The ``cnnlab`` command: ``doctor``, ``notebooks``, ``data``, and the grader's ``release``, ``grade``,
``check``, ``lab verify`` and ``gradebook merge`` (registered by ``cnnlab.grading.commands``)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cnnlab import __version__


def _doctor(args: argparse.Namespace) -> int:
    from cnnlab.doctor import format_report, run_checks

    checks = run_checks(network=not args.offline)
    print(format_report(checks))
    return 1 if any(c.state == "fail" for c in checks) else 0


def _notebooks(args: argparse.Namespace) -> int:
    from cnnlab.execute import NotebookError, find_notebooks, run_notebook

    notebooks = find_notebooks(args.paths)
    if not notebooks:
        print("no notebooks found under " + ", ".join(args.paths))
        return 0
    failures = 0
    for notebook in notebooks:
        print(f"{notebook} ({args.mode}) ...", flush=True)
        try:
            result = run_notebook(
                notebook,
                mode=args.mode,
                cell_timeout=args.cell_timeout,
                # one folder per source folder: every lab's master is called solution.ipynb
                output_dir=Path(args.html) / notebook.parent.name if args.html else None,
                html=args.html is not None,
            )
        except NotebookError as error:
            failures += 1
            print(f"  FAILED {error}", flush=True)
            continue
        print(f"  ok in {result.seconds:.1f} s", flush=True)
    print(f"{len(notebooks) - failures} passed, {failures} failed")
    return 1 if failures else 0


def _data_list(args: argparse.Namespace) -> int:
    from cnnlab.assets import ASSETS, COLLECTIONS, asset_status
    from cnnlab.data import list_sample_images

    width = max(map(len, ASSETS))
    for name in ASSETS:
        status = asset_status(name, verify=not args.quick)
        print(f"{name:<{width}}  {status.state:<7}  {status.detail:<12}  {status.path}")
    print("\ncollections: " + "; ".join(f"{k} ({len(v)})" for k, v in COLLECTIONS.items()))
    print("bundled sample images (offline): " + ", ".join(list_sample_images()))
    return 0


def _data_fetch(args: argparse.Namespace) -> int:
    from cnnlab.assets import resolve
    from cnnlab.download import DownloadError, fetch

    failures = 0
    for name in args.names:
        try:
            members = [asset.name for asset in resolve(name)]
            paths = fetch(name, source_dir=args.source, progress=not args.quiet)
        except (DownloadError, ValueError) as error:
            failures += 1
            print(f"{name}: {error}", file=sys.stderr)
            continue
        for member, path in zip(
            members, paths if isinstance(paths, list) else [paths], strict=True
        ):
            print(f"{member}: {path}")
    return 1 if failures else 0


def _data_verify(args: argparse.Namespace) -> int:
    from cnnlab.data import verify_images

    try:
        report = verify_images(args.directory, progress=not args.quiet)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(report)
    return 1 if report.bad else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnnlab", description="Course-lab toolkit for teaching convolutional neural networks."
    )
    parser.add_argument("--version", action="version", version=f"cnnlab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    doctor = commands.add_parser("doctor", help="what works on this machine, and what to do next")
    doctor.add_argument("--offline", action="store_true", help="skip the network check")
    doctor.set_defaults(handler=_doctor)

    notebooks = commands.add_parser("notebooks", help="execute notebooks top to bottom")
    notebooks.add_argument("paths", nargs="+", help="notebook files or folders (notebooks/, labs/)")
    notebooks.add_argument("--mode", choices=("smoke", "full"), default="smoke")
    notebooks.add_argument("--cell-timeout", type=float, default=600, metavar="S")
    notebooks.add_argument("--html", metavar="DIR", help="write executed notebooks and HTML here")
    notebooks.set_defaults(handler=_notebooks)

    data = commands.add_parser("data", help="list, fetch and verify datasets and weights")
    actions = data.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every asset, its state and its cache path")
    listing.add_argument("--quick", action="store_true", help="skip checksums (sizes only)")
    listing.set_defaults(handler=_data_list)
    fetching = actions.add_parser("fetch", help="download (or install --from DIR) and verify")
    fetching.add_argument("names", nargs="+", metavar="NAME", help="assets or collections")
    fetching.add_argument("--from", dest="source", metavar="DIR", help="install files from DIR")
    fetching.add_argument("--quiet", action="store_true", help="no progress bar")
    fetching.set_defaults(handler=_data_fetch)
    verify = actions.add_parser("verify", help="find corrupt, truncated and non-image files")
    verify.add_argument("directory", metavar="DIR")
    verify.add_argument("--quiet", action="store_true", help="no progress bar")
    verify.set_defaults(handler=_data_verify)

    # release, grade, check, lab verify, gradebook merge (handlers import lazily).
    from cnnlab.grading.commands import add_commands

    add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # TensorFlow's informational start-up lines are noise on a student's terminal.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
