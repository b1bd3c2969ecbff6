"""Arrange image files into the folder layout Keras reads: one subfolder per class, then a split.

Both functions move or copy files and never delete or overwrite one: a file is placed with a
hard link (which fails if the name is taken, so a clash cannot clobber anything, even when two
runs race) or, across file systems, copied to a hidden temporary name and renamed into place.
A name that is already taken is reported and both files are left as they are; a file already
in place (the same file, or an identical copy) counts as done, so re-running is harmless.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["FileReport", "sort_into_class_folders", "split_folder"]

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".jpe", ".png", ".tif", ".tiff", ".webp")


@dataclass
class FileReport:
    """What a sort or split did: ``placed`` (source, destination) pairs, ``unchanged``
    destinations that already held the file, and ``skipped`` source path -> reason (clashes,
    names without a class)."""

    placed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{len(self.placed)} placed, {len(self.unchanged)} already in place, "
                 f"{len(self.skipped)} skipped"]  # fmt: skip
        lines += [f"  {path}: {reason}" for path, reason in self.skipped.items()]
        return "\n".join(lines)


def _place(source: Path, target: Path, move: bool, report: FileReport) -> None:
    """Copy or move ``source`` to ``target`` without ever replacing an existing file."""
    if target.exists():
        same = os.path.samefile(source, target)
        if same or filecmp.cmp(source, target, shallow=False):
            if same and move:
                os.unlink(source)  # a move interrupted after linking: the file lives at target
            report.unchanged.append(str(target))
        else:
            report.skipped[str(source)] = f"{target} already exists with other content; both kept"
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if move:
        try:
            os.link(source, target)
        except FileExistsError:
            report.skipped[str(source)] = f"{target} appeared meanwhile; both kept"
            return
        except OSError:  # another file system, or no hard links: copy, then remove the source
            if not _copy_no_clobber(source, target, report):
                return
        os.unlink(source)
    elif not _copy_no_clobber(source, target, report):
        return
    report.placed.append((str(source), str(target)))


def _copy_no_clobber(source: Path, target: Path, report: FileReport) -> bool:
    temporary = target.with_name(f".{target.name}.cnnlab-part")
    try:
        shutil.copy2(source, temporary)
        try:
            os.link(temporary, target)
        except FileExistsError:
            report.skipped[str(source)] = f"{target} appeared meanwhile; both kept"
            return False
        except OSError:  # no hard links here: check, then rename (a narrow race remains)
            if target.exists():
                report.skipped[str(source)] = f"{target} appeared meanwhile; both kept"
                return False
            os.replace(temporary, target)
        return True
    finally:
        if temporary.exists():
            temporary.unlink()


def sort_into_class_folders(folder: str | os.PathLike, *, separator: str = ".") -> FileReport:
    """Move ``cat.123.jpg`` to ``cat/cat.123.jpg``: one subfolder per class-name prefix.

    Only image files directly in ``folder`` are moved (Kaggle's dogs-vs-cats ``train/`` layout);
    the class is the part of the name before the first ``separator``, and names without one
    (``README.md``, ``123.jpg``) are skipped and reported.

    Args:
        folder: the folder holding the files; class subfolders are created inside it.
        separator: what ends the class prefix (``"_"`` for ``cat_123.jpg``).

    Returns:
        A ``FileReport``; a second run finds nothing left to move.

    Raises:
        ValueError: ``folder`` is not a folder, or ``separator`` is empty.

    Example:
        >>> print(sort_into_class_folders("train"))  # doctest: +SKIP
        25000 placed, 0 already in place, 0 skipped
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"`folder` must be an existing folder. Got {str(folder)!r}.")
    if not isinstance(separator, str) or not separator:
        raise ValueError(f"`separator` must be a non-empty string. Got {separator!r}.")
    report = FileReport()
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.is_symlink():
            continue
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            report.skipped[str(path)] = "not an image file name"
            continue
        label, sep, _ = path.stem.partition(separator)
        if not sep or not label:
            report.skipped[str(path)] = f"no class prefix before {separator!r} in the name"
            continue
        _place(path, folder / label / path.name, True, report)
    return report


def split_folder(
    source: str | os.PathLike,
    destination: str | os.PathLike,
    *,
    validation_split: float = 0.2,
    seed: int = 1337,
    mode: str = "copy",
    subsets: tuple[str, str] = ("train", "validation"),
) -> FileReport:
    """Split a class-folder tree into ``destination/train/<class>`` and ``destination/validation/<class>``.

    Each class is split on its own (stratified): its files, sorted by path, are shuffled with a
    generator seeded by ``seed`` and the class name, and the last ``int(validation_split * n)``
    go to validation, as Keras counts. The same files and seed always give the same split.

    Args:
        source: a folder of class subfolders (hidden ones are ignored), as Keras reads them.
        destination: where the two subsets are created; must not lie inside ``source``.
        validation_split: fraction of each class held out.
        seed: seeds the split.
        mode: ``"copy"`` (source untouched) or ``"move"``.
        subsets: names of the two subfolders created.

    Returns:
        A ``FileReport``; re-running reports every file as already in place.

    Raises:
        ValueError: bad arguments, no class folders, or overlapping folders.

    Example:
        >>> print(split_folder("PetImages", "pets", validation_split=0.2))  # doctest: +SKIP
        25000 placed, 0 already in place, 0 skipped
    """
    source, destination = Path(source), Path(destination)
    if not source.is_dir():
        raise ValueError(f"`source` must be an existing folder. Got {str(source)!r}.")
    if not isinstance(validation_split, (int, float)) or not 0 < validation_split < 1:
        raise ValueError(
            f"`validation_split` must be a number strictly between 0 and 1. Got {validation_split!r}."
        )
    if mode not in ("copy", "move"):
        raise ValueError(f"`mode` must be 'copy' or 'move'. Got {mode!r}.")
    if (
        len(subsets) != 2
        or len(set(subsets)) != 2
        or not all(isinstance(s, str) and s for s in subsets)
    ):
        raise ValueError(f"`subsets` must be two different folder names. Got {subsets!r}.")
    src, dst = source.resolve(), destination.resolve()
    for subset in subsets:
        out = dst / subset
        if out == src or src in out.parents or out in src.parents:
            raise ValueError(
                f"`destination` must not overlap `source`: {out} and {src} contain one another."
            )
    classes = sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise ValueError(f"`source` must hold class subfolders. Got none in {str(source)!r}.")
    report = FileReport()
    for folder in classes:
        files = sorted(
            p for p in folder.rglob("*")
            if p.is_file() and not p.is_symlink() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )  # fmt: skip
        rng = np.random.default_rng([seed, zlib.crc32(folder.name.encode())])
        order = rng.permutation(len(files))
        num_validation = int(validation_split * len(files))
        for rank, index in enumerate(order):
            subset = subsets[1] if rank >= len(files) - num_validation else subsets[0]
            path = files[index]
            target = destination / subset / folder.name / path.relative_to(folder)
            _place(path, target, mode == "move", report)
    return report
