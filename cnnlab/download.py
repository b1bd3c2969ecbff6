"""The asset manager's hands: download, resume, verify and install the files ``cnnlab.assets`` lists.

``fetch(name)`` returns the cached file when it is intact; otherwise it downloads the file into
``<file>.part`` beside its final place (resuming an earlier ``.part`` with an HTTP Range request),
checks its size and checksum, and renames it into place in one step, so a half-written file is
never found under the real name. A copy that fails the check is removed (it cannot be resumed
into a good one) and the cached file, if any, is left as it was. ``source_dir`` installs a file
carried in by hand instead (classrooms without internet); ``CNNLAB_MIRROR`` (a base URL such as
``http://teacher.local:8000/``, serving files under their cache names) or ``url=`` replace the
publisher's address.

Example:
    >>> from cnnlab.download import fetch
    >>> fetch("mnist")  # doctest: +SKIP
    PosixPath('/home/student/cnnlab/data/cache/mnist.npz')
"""

from __future__ import annotations

import http.client
import os
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

from cnnlab import __version__
from cnnlab.assets import COLLECTIONS, Asset, asset_path, check_file, resolve

__all__ = ["DownloadError", "asset_url", "fetch"]

_CHUNK = 1 << 16


class DownloadError(OSError):
    """An asset could not be downloaded or installed; the message says what to do instead."""


class _Interrupted(Exception):
    """The transfer stopped early; the ``.part`` file keeps what arrived."""


def asset_url(asset: Asset) -> str:
    """The address to download ``asset`` from: under ``$CNNLAB_MIRROR`` if set, else the publisher's."""
    mirror = os.environ.get("CNNLAB_MIRROR")
    return f"{mirror.rstrip('/')}/{asset.filename}" if mirror else asset.url


def fetch(
    name: str,
    *,
    source_dir: str | os.PathLike | None = None,
    progress: bool = True,
    url: str | None = None,
    retries: int = 2,
    timeout: float = 30.0,
) -> Path | list[Path]:
    """Make sure an asset is in the cache, intact, and return where it is.

    Args:
        name: an asset of ``cnnlab.assets.ASSETS`` (``"mnist"``, ``"resnet50-weights"``) or a
            collection of ``COLLECTIONS`` (``"fashion-mnist"``, ``"imagenet"``, ``"all"``).
        source_dir: a folder holding files carried in by hand; they are verified and copied
            into the cache (the folder is only read). Without it, missing files are downloaded.
        progress: show a tqdm progress bar on stderr.
        url: download from this address instead (one asset only; tests use a local server).
        retries: how many more times to try, resuming, after an interrupted transfer or a
            server error (5xx).
        timeout: seconds to wait for the server before giving up on one attempt.

    Returns:
        The cached file's path for an asset; the list of paths, in order, for a collection.

    Raises:
        ValueError: unknown name, or ``url`` given for a collection.
        DownloadError: no network, a server error, a checksum mismatch, or a missing or bad file
            in ``source_dir``. The message names the file, its URL and where to put it.

    Example:
        >>> fetch("fashion-mnist", source_dir="usb-stick/")  # doctest: +SKIP
        [PosixPath('.../fashion-mnist/train-images-idx3-ubyte.gz'), ...]
    """
    assets = resolve(name)
    if url is not None and name in COLLECTIONS:
        raise ValueError(
            f"`url` can only be given for a single asset. Got the collection {name!r}."
        )
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"`retries` must be a non-negative int. Got {retries!r}.")
    options = {"progress": progress, "url": url, "retries": retries, "timeout": timeout}
    paths = [_fetch_one(asset, source_dir=source_dir, **options) for asset in assets]
    return paths if name in COLLECTIONS else paths[0]


def _fetch_one(asset, *, source_dir, progress, url, retries, timeout) -> Path:
    target = asset_path(asset.name)
    if target.is_file():
        problem = check_file(asset, target)
        if problem is None:
            return target
        if progress:
            print(f"{target} is unusable ({problem}); replacing it.", file=sys.stderr)
    target.parent.mkdir(parents=True, exist_ok=True)
    if source_dir is not None:
        return _install_from(asset, Path(source_dir), target, progress)
    return _download(asset, url or asset_url(asset), target, progress, retries, timeout)


def _how_to_get(asset: Asset, target: Path) -> str:
    expected = f"{asset.size:,} bytes" if asset.size else "size unpublished"
    if asset.checksum:
        expected += f", {asset.algorithm} {asset.checksum}"
    return (
        f"Without internet, download {asset.url} on a machine that has it and either copy it "
        f"to {target}, or put it in a folder and run `cnnlab data fetch {asset.name} --from "
        f"FOLDER` (in Python: fetch({asset.name!r}, source_dir=FOLDER)); a classroom mirror "
        f"works too: set CNNLAB_MIRROR to its base URL. Expected: {expected}."
    )


def _download(asset, url, target, progress, retries, timeout) -> Path:
    part = target.with_name(target.name + ".part")
    for attempt in range(retries + 1):
        last_try = attempt == retries
        try:
            _transfer(asset, url, part, progress, timeout)
            break
        except urllib.error.HTTPError as error:
            error.close()
            if error.code < 500 or last_try:
                raise DownloadError(
                    f"Could not download {asset.filename}: the server answered {error.code} "
                    f"{error.reason} for {url}. " + _how_to_get(asset, target)
                ) from None
        except _Interrupted as error:
            if last_try:
                raise DownloadError(
                    f"The download of {asset.filename} from {url} stopped early ({error}); the "
                    f"{part.stat().st_size:,} bytes received are kept in {part} and the next "
                    f"fetch resumes from there. " + _how_to_get(asset, target)
                ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise DownloadError(
                f"Could not download {asset.filename} ({asset.description}) from {url}: "
                f"{reason}. " + _how_to_get(asset, target)
            ) from None
    problem = check_file(asset, part)
    if problem is not None:
        part.unlink()
        raise DownloadError(
            f"The file downloaded from {url} is not a good copy of {asset.filename}: {problem}. "
            f"It was removed and nothing was installed; the mirror may hold another version. "
            + _how_to_get(asset, target)
        )
    os.replace(part, target)
    return target


def _transfer(asset: Asset, url: str, part: Path, progress: bool, timeout: float) -> None:
    """One HTTP request: append to ``part`` from where it stops, or start it afresh."""
    offset = part.stat().st_size if part.is_file() else 0
    if asset.size is not None and offset > asset.size:
        offset = 0  # longer than the real file: garbage, start again
    if asset.size is not None and offset == asset.size:
        return  # complete already; the caller verifies it
    headers = {"User-Agent": f"cnnlab/{__version__}"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=timeout
        )
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:  # nothing left to send: the .part is complete
            error.close()
            return
        raise
    with response:
        content_range = response.headers.get("Content-Range", "")
        if not (offset and response.status == 206 and content_range.startswith(f"bytes {offset}-")):
            offset = 0  # the server sent the whole file
        length = response.headers.get("Content-Length")
        length = int(length) if length is not None else None
        total = offset + length if length is not None else asset.size
        received = 0
        with (
            open(part, "ab" if offset else "wb") as out,
            _progress_bar(asset, total, offset, progress) as bar,
        ):
            try:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    bar.update(len(chunk))
                    received += len(chunk)
            except (http.client.HTTPException, OSError) as error:
                raise _Interrupted(
                    f"{error.__class__.__name__} after {offset + received:,} bytes"
                ) from None
    if total is not None and offset + received < total:
        raise _Interrupted(f"{offset + received:,} of {total:,} bytes arrived")


def _progress_bar(asset: Asset, total: int | None, initial: int, show: bool):
    from tqdm.auto import tqdm  # imported late: `cnnlab data list` should start fast

    name = Path(asset.filename).name
    return tqdm(
        total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
        desc=name, disable=not show,
    )  # fmt: skip


def _install_from(asset: Asset, source_dir: Path, target: Path, progress: bool) -> Path:
    if not source_dir.is_dir():
        raise DownloadError(
            f"`source_dir` must be an existing folder. Got {str(source_dir)!r}. "
            + _how_to_get(asset, target)
        )
    names = dict.fromkeys([asset.filename, Path(asset.filename).name, asset.url.rsplit("/", 1)[-1]])
    candidates = [source_dir / name for name in names]
    source = next((c for c in candidates if c.is_file()), None)
    if source is None:
        looked = ", ".join(str(c) for c in candidates)
        raise DownloadError(
            f"{asset.filename} ({asset.description}) is not in {source_dir} (looked for {looked}). "
            + _how_to_get(asset, target)
        )
    problem = check_file(asset, source)
    if problem is not None:
        raise DownloadError(
            f"{source} is not a good copy of {asset.filename}: {problem}. It was left as it is "
            f"and nothing was installed. " + _how_to_get(asset, target)
        )
    if target.exists() and os.path.samefile(source, target):
        return target  # the folder given is the cache itself
    part = target.with_name(target.name + ".part")
    with (
        open(source, "rb") as src,
        open(part, "wb") as out,
        _progress_bar(asset, source.stat().st_size, 0, progress) as bar,
    ):
        for chunk in iter(lambda: src.read(1 << 20), b""):
            out.write(chunk)
            bar.update(len(chunk))
    problem = check_file(asset, part)  # the copy itself, in case the disk filled up
    if problem is not None:
        part.unlink()
        raise DownloadError(f"Copying {source} to {target} failed: {problem}.")
    shutil.copystat(source, part)
    os.replace(part, target)
    return target
