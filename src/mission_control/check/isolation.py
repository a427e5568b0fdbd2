"""Keeping a learner's code away from grading: the course, the checker and the progress store.

A check runs the learner's code in child processes; that code may be hostile (a learner who
wants a passing grade without the work). Three defences, from the one that always works to
the ones the machine allows:

- **The checkpoints run from a private copy** (:func:`private_checkpoints`), made and
  collected by pytest *before* any learner code starts, and ``spec_hash`` is the hash of that
  copy: whatever the app writes into ``checkpoints/`` later changes neither this run nor its
  report. This needs no privilege.
- **The checker cannot be reached through /proc** (:func:`protect_checker`): a process that is
  not "dumpable" has its ``/proc/<pid>/fd``, ``cwd`` and ``environ`` closed to other
  processes of the same user without ``CAP_SYS_PTRACE``, so the app cannot write to the
  checker's stdout or find its files that way. Also unprivileged.
- **A private view of the file system** (:func:`child_preexec`): each child gets its own
  mount namespace in which the course's ``lessons/``, ``src/`` and ``workspace/``, the
  progress store's folder and the private checkpoint copy are covered by empty read-only
  file systems, the Python installation and the course checkout are read-only, and then
  every capability is dropped for good (bounding set, securebits, ``no_new_privs``), so the
  child cannot undo any of it. As root (``namespace`` mode) the child keeps uid 0 without
  capabilities, because the interpreter may live under a private ``/root``. Unprivileged
  (``userns`` mode) the child first enters a user namespace of its own, where its uid maps
  to itself: that is what lets a plain user make the mount namespace, and the kernel locks
  the mounts it inherits, so not even a nested user namespace can lift the covers.

Every child also gets ``PR_SET_PDEATHSIG``: it is killed when the checker dies, even with a
``kill -9`` and even while the learner's code spins in a loop.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# prctl(2) and mount(2) constants (linux/prctl.h, linux/capability.h, sys/mount.h).
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_RELATIME = 1 << 21
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
# SECBIT_NOROOT, SECBIT_NO_SETUID_FIXUP, SECBIT_KEEP_CAPS_LOCKED... with their locks: uid 0
# gains no capability at execve, and nothing can turn that off again.
SECUREBITS_LOCKED_DOWN = 0x2F
LAST_CAPABILITY = 63

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")
_PRIVATE: set[Path] = set()  # the private checkpoint copies of the checks under way


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _prctl(option: int, value: int = 0) -> bool:
    if _LIBC is None:
        return False
    return int(_LIBC.prctl(option, ctypes.c_ulong(value), 0, 0, 0)) == 0


# -- the checkpoints, from a copy the app cannot change -------------------------------------


@dataclass
class PrivateCheckpoints:
    """A copy of a lesson's ``checkpoints/`` in a folder only the checker's user can open."""

    path: Path
    spec_hash: str
    _tmp: str = field(repr=False, default="")

    def cleanup(self) -> None:
        _PRIVATE.discard(self.path.parent)
        shutil.rmtree(self._tmp or self.path.parent, ignore_errors=True)


def private_checkpoints(source: Path) -> PrivateCheckpoints:
    """Copy ``source`` (a ``checkpoints/`` folder) and hash exactly the bytes copied, the
    way :func:`~.inventory.spec_hash` hashes the originals (so an untouched copy has the
    same hash)."""
    tmp = tempfile.mkdtemp(prefix="mission-spec-")  # mode 0700
    path = Path(tmp, "checkpoints")
    shutil.copytree(source, path, ignore=IGNORED)
    digest = hashlib.sha256()
    for file in sorted(path.glob("test_*.py")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    _PRIVATE.add(Path(tmp))
    return PrivateCheckpoints(path, digest.hexdigest(), tmp)


# -- the checker ----------------------------------------------------------------------------


def protect_checker() -> None:
    """Close this process's /proc entries to its own children, and adopt the orphans of
    the process trees it starts (so they can be found and killed, see processes.py)."""
    if os.environ.get("MISSION_ISOLATION") == "off":
        return
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


# -- the children ---------------------------------------------------------------------------


_REFUSED: set[str] = set()  # the private-view modes this machine refused, once tried

#: The modes in which a child sees the private view of the file system.
PRIVATE_VIEW = ("namespace", "userns")


def namespace_unavailable(mode: str) -> None:
    """Remember that this machine refused ``mode`` (uid 0 without CAP_SYS_ADMIN refuses
    ``namespace``; a kernel with user namespaces turned off refuses ``userns``), so later
    children start in the next mode at once."""
    _REFUSED.add(mode)


def _user_namespaces_allowed() -> bool:
    try:
        return int(Path("/proc/sys/user/max_user_namespaces").read_text()) > 0
    except (OSError, ValueError):
        return False


def isolation_mode() -> str:
    """How the learner's processes are kept from grading, the first this machine allows:

    - ``namespace`` (the checker is root): a private view of the file system, no capabilities;
    - ``userns`` (unprivileged, or root in a container without CAP_SYS_ADMIN, where the
      kernel allows user namespaces): the same view, made inside a user namespace of the
      child's own;
    - ``basic``: the private checkpoint copy, a non-dumpable checker and PDEATHSIG only.

    ``MISSION_ISOLATION`` chooses: ``auto`` (the default), ``userns`` (also as root, which is
    how the tests prove the unprivileged mode), ``basic``, or ``off`` (for debugging a lesson).
    """
    wanted = os.environ.get("MISSION_ISOLATION", "auto")
    if wanted in ("off", "basic") or _LIBC is None:
        return "basic"
    candidates = ["namespace"] if wanted != "userns" and os.geteuid() == 0 else []
    if _user_namespaces_allowed():
        candidates.append("userns")
    return next((mode for mode in candidates if mode not in _REFUSED), "basic")


def hidden_paths(extra: Iterable[Path] = ()) -> list[Path]:
    """What a child must not see: the course's lessons, its source, the learners' workspace
    and the progress store's folder."""
    from mission_control.catalog import course_root
    from mission_control.progress import default_path

    root = course_root()
    paths = [root / "lessons", root / "src", root / "workspace", default_path().parent]
    package = Path(__file__).resolve().parents[2]  # src/, when installed from a checkout
    if package.name == "src" and (package.parent / "lessons").is_dir():
        paths += [package, package.parent / "lessons", package.parent / "workspace"]
    found = sorted({path.resolve() for path in [*paths, *_PRIVATE, *extra] if path.exists()})
    # A folder inside one already covered is covered with it (and could not be mounted on).
    return [path for path in found if not any(path.is_relative_to(o) for o in found if o != path)]


def read_only_paths() -> list[Path]:
    """What a child may use but not change: the course checkout (its .venv) and the
    Python installation."""
    from mission_control.catalog import course_root

    paths = {course_root(), Path(sys.prefix), Path(sys.base_prefix)}
    return sorted(path.resolve() for path in paths if path.exists())


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    assert _LIBC is not None
    result = _LIBC.mount(
        source.encode(),
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {target}: {os.strerror(errno)}")


def _kept_flags(path: str) -> int:
    """The flags of the mount that holds ``path`` which a read-only remount must keep: in
    a user namespace the kernel refuses a remount that would drop them (they are locked)."""
    flags = os.statvfs(path).f_flag
    kept = 0
    for statvfs_flag, mount_flag in (
        (os.ST_NODEV, MS_NODEV),
        (os.ST_NOEXEC, MS_NOEXEC),
        (os.ST_NOATIME, MS_NOATIME),
        (os.ST_NODIRATIME, MS_NODIRATIME),
        (os.ST_RELATIME, MS_RELATIME),
    ):
        if flags & statvfs_flag:
            kept |= mount_flag
    return kept


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _enter_user_namespace(uid: int, gid: int) -> None:
    """A user namespace where the child's uid and gid are its own (one line each, which
    is all an unprivileged process may map) and it holds the capabilities of that
    namespace only, long enough to make its mount namespace."""
    assert _LIBC is not None
    if _LIBC.unshare(CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")


def _enter_namespace(
    hide: Sequence[str], read_only: Sequence[tuple[str, int]], user: tuple[int, int] | None
) -> None:
    """In the forked child, before exec: (in ``userns`` mode, a user namespace, then) a
    mount namespace of its own, changed as the module docstring says, then every
    capability dropped."""
    assert _LIBC is not None
    if user is not None:
        _enter_user_namespace(*user)
    if _LIBC.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)  # nothing leaks back to the checker
    for path, kept in read_only:
        _mount(path, path, None, MS_BIND | MS_REC)
        _mount(path, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | kept)
    for path in hide:
        _mount("mission", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=000")
    if not _prctl(PR_SET_SECUREBITS, SECUREBITS_LOCKED_DOWN):
        raise OSError(ctypes.get_errno(), "PR_SET_SECUREBITS")
    for capability in range(LAST_CAPABILITY + 1):
        _prctl(PR_CAPBSET_DROP, capability)  # EINVAL past the kernel's last one: fine


def child_preexec(mode: str, hide: Sequence[Path] = ()) -> Callable[[], None]:
    """The ``preexec_fn`` for every learner process: killed with its parent, and in the
    ``namespace`` and ``userns`` modes the private view of the file system."""
    hidden = [str(path) for path in hide]
    private_view = mode in PRIVATE_VIEW
    read_only = [(str(p), _kept_flags(str(p))) for p in read_only_paths()] if private_view else []
    user = (os.geteuid(), os.getegid()) if mode == "userns" else None

    def preexec() -> None:
        if private_view:
            _enter_namespace(hidden, read_only, user)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() == 1:  # the checker died before the line above
            os._exit(1)

    return preexec
