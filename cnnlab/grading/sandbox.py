"""The wrapper every graded kernel starts through: limits, isolation, then ``exec`` of the kernel.

The grader's kernelspec runs ``python -m cnnlab.grading.sandbox --dir TMP [options] -- python -m
ipykernel_launcher -f {connection_file}``. Before it replaces itself with the kernel (``os.execve``,
so the kernel keeps this process id and group) it

1. starts a new session and process group, so the grader can kill the kernel and every child at once;
2. where Linux namespaces are allowed (root, or unprivileged user namespaces): a new network
   namespace (only a loopback interface that is down: no network at all) and a new mount namespace
   in which the lab folder, the submissions, the grader's output and every other student's temporary
   copy are covered by empty read-only ``tmpfs`` mounts;
3. when run as root: switches to an unprivileged user id of its own (``--uid``), so the student
   cannot read other copies, write the grader's files or signal the grader;
4. sets resource limits: address space (``--memory`` MB), CPU seconds, file size, process count;
5. replaces the environment by a scrubbed one whose ``HOME``, ``TMPDIR`` and working directory are
   the temporary copy, with one thread per numeric library and fixed hash seed.

Nothing here imports numpy or Jupyter: the wrapper must start in milliseconds.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import resource
import shutil
import stat
import sys
from pathlib import Path

from cnnlab.settings import keras_home

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1,
    2,
    4,
    32,
    4096,
    16384,
    1 << 18,
)

# Environment variables the kernel may keep (everything else is dropped).
_KEEP = ("LANG", "LC_ALL", "KERAS_HOME", "CNNLAB_DATA", "TF_CPP_MIN_LOG_LEVEL")


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _call(function, *args) -> None:
    if function(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def enter_namespaces(hide: list[str], keep: list[str]) -> None:
    """New network + mount namespaces; cover ``hide`` folders with empty tmpfs, except ``keep`` ones.

    A ``keep`` folder under a covered one (the student's own copy, the Python installation under
    the grader's home) is bind-mounted back. Raises ``OSError`` where the machine does not allow it.
    """
    libc = _libc()
    flags = CLONE_NEWNS | CLONE_NEWNET
    if os.geteuid() != 0:
        uid, gid = os.getuid(), os.getgid()
        _call(libc.unshare, flags | CLONE_NEWUSER)
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    else:
        _call(libc.unshare, flags)
    # Our mounts must not leak back into the grader's namespace.
    _call(libc.mount, None, b"/", None, MS_REC | MS_PRIVATE, None)
    keep_fds = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in keep}
    for path in sorted(set(hide), key=len):
        if not os.path.isdir(path):  # missing, or already covered by a shorter path
            continue
        target = path.encode()
        _call(libc.mount, b"tmpfs", target, b"tmpfs", MS_NOSUID | MS_NODEV, b"size=64k,mode=755")
        for kept, fd in keep_fds.items():
            if not os.path.relpath(kept, path).startswith(".."):
                os.makedirs(kept, exist_ok=True)
                _call(
                    libc.mount, f"/proc/self/fd/{fd}".encode(), kept.encode(), None, MS_BIND, None
                )
        _call(libc.mount, None, target, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    for fd in keep_fds.values():
        os.close(fd)


def world_accessible(path: str) -> bool:
    """Whether any user may reach ``path`` (every folder on the way has the "other" x bit)."""
    current = os.path.realpath(path)
    while True:
        try:
            if not os.stat(current).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return True
        current = parent


def set_limits(*, memory_mb: int, cpu_seconds: int, file_mb: int, processes: int) -> None:
    """Resource limits of this process and everything it starts (hard = soft, so they stick)."""
    limits = {
        resource.RLIMIT_AS: memory_mb * 2**20,
        resource.RLIMIT_CPU: cpu_seconds,
        resource.RLIMIT_FSIZE: file_mb * 2**20,
        resource.RLIMIT_NPROC: processes,
        resource.RLIMIT_CORE: 0,
    }
    for kind, value in limits.items():
        if value > 0:
            resource.setrlimit(kind, (value, value))


def user_tasks(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (RLIMIT_NPROC counts them all)."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


def scrubbed_environment(directory: str) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's but a few harmless settings."""
    environment = {name: os.environ[name] for name in _KEEP if name in os.environ}
    bin_dir = os.path.dirname(sys.executable)
    environment.update(
        PATH=f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        HOME=directory,
        TMPDIR=os.path.join(directory, "tmp"),
        USER="student",
        LOGNAME="student",
        PYTHONHASHSEED="0",
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="Agg",
        MPLCONFIGDIR=os.path.join(directory, "tmp"),
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        TF_NUM_INTRAOP_THREADS="1",
        TF_NUM_INTEROP_THREADS="1",
        TF_DETERMINISTIC_OPS="1",
        CNNLAB_GRADING="1",
    )
    cache = keras_home()
    if "KERAS_HOME" not in environment and cache.is_dir():
        environment["KERAS_HOME"] = str(cache)  # the grader's cached weights, read-only
    environment.setdefault("LANG", "C.UTF-8")
    environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return environment


def main(argv: list[str]) -> None:
    if "--" not in argv:
        raise SystemExit("usage: python -m cnnlab.grading.sandbox [options] -- COMMAND ...")
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="cnnlab.grading.sandbox")
    parser.add_argument("--dir", required=True, help="the private temporary copy")
    parser.add_argument("--hide", action="append", default=[], help="folder to cover with tmpfs")
    parser.add_argument("--keep", action="append", default=[], help="folder to keep visible")
    parser.add_argument("--uid", type=int, default=0, help="unprivileged user id (root only)")
    parser.add_argument("--memory", type=int, default=4096, help="address space, MB")
    parser.add_argument("--cpu", type=int, default=3600, help="CPU seconds")
    parser.add_argument("--file-size", type=int, default=512, help="largest file written, MB")
    parser.add_argument("--processes", type=int, default=64, help="processes and threads")
    parser.add_argument("--no-namespaces", action="store_true", help="skip network/mount isolation")
    args = parser.parse_args(argv[:split])
    command = argv[split + 1 :]
    directory = os.path.realpath(args.dir)

    if os.getpid() != os.getpgid(0):
        os.setsid()
    if not args.no_namespaces:
        try:
            enter_namespaces(args.hide, [directory, *map(os.path.realpath, args.keep)])
        except OSError as error:
            print(f"cnnlab sandbox: no network/mount isolation here ({error})", file=sys.stderr)
    os.makedirs(os.path.join(directory, "tmp"), exist_ok=True)
    uid = os.getuid()
    # Without the mounts above, an interpreter under a private home cannot run as another user.
    interpreter = os.path.realpath(shutil.which(command[0]) or command[0])
    needed = [directory, *args.keep, interpreter, os.path.realpath(sys.base_prefix)]
    reachable = all(world_accessible(path) for path in needed)
    if os.geteuid() == 0 and args.uid > 0 and not reachable:
        print("cnnlab sandbox: kernel runs as root (its Python is not reachable)", file=sys.stderr)
    if os.geteuid() == 0 and args.uid > 0 and reachable:
        for root, dirs, files in os.walk(directory):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.lchown(name, args.uid, args.uid)
        os.setgroups([])
        os.setgid(args.uid)
        os.setuid(args.uid)
        uid = args.uid
    elif args.processes > 0:
        # Same user as the grader: RLIMIT_NPROC counts all of that user's tasks, so allow for them.
        args.processes += user_tasks(uid)
    set_limits(
        memory_mb=args.memory,
        cpu_seconds=args.cpu,
        file_mb=args.file_size,
        processes=args.processes,
    )
    os.chdir(directory)
    environment = scrubbed_environment(directory)
    executable = shutil.which(command[0], path=environment["PATH"]) or command[0]
    os.execve(executable, command, environment)


if __name__ == "__main__":
    main(sys.argv[1:])


_PROBE = """import json, os, socket, sys
folder = sys.argv[1]
seen = {"uid": os.getuid(), "hidden": not os.path.isdir(folder) or not os.listdir(folder)}
try:
    socket.create_connection(("192.0.2.1", 9), timeout=0.3).close()
    seen["network"] = True
except OSError as error:
    seen["network"] = error.errno != 101  # ENETUNREACH: no route at all
print(json.dumps(seen))"""


def describe_isolation(directory: str, hide: list[str], keep: list[str], *, uid: int) -> str:
    """One line saying what isolation a kernel started like the grader's gets on this machine."""
    import json
    import subprocess

    command = [
        sys.executable,
        "-m",
        "cnnlab.grading.sandbox",
        "--dir",
        directory,
        "--uid",
        str(uid),
    ]
    command += [f"--hide={p}" for p in hide] + [f"--keep={p}" for p in keep]
    command += ["--", sys.executable, "-c", _PROBE, hide[0] if hide else "/nonexistent"]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
        seen = json.loads(out.stdout)
    except (subprocess.SubprocessError, ValueError, OSError) as error:
        return f"isolation: could not be checked ({error})"
    user = "own uid" if seen["uid"] not in (0, os.getuid()) else "grader's uid"
    network = "network reachable" if seen["network"] else "no network"
    files = "grader folders hidden" if seen["hidden"] else "grader folders VISIBLE"
    return f"isolation: {network}, {files}, kernel runs as the {user} ({seen['uid']})"
