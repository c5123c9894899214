"""Kernel confinement of the worker processes that run tool code (defence behind the AST check).

Applied by each worker once its modules are imported and before it runs any tool:
- seccomp (through `pyseccomp`, a ctypes binding over the system's libseccomp) makes the
  system calls that start programs or processes (execve, fork, clone), open network or local
  sockets (socket, socketpair, connect, bind, listen, accept), signal, limit or trace other
  processes (kill, sigqueue, prlimit on another pid, ptrace, process_vm_*), or change the
  process's view of the system (mount, unshare, setns, chroot, io_uring, bpf, perf_event_open)
  fail with EPERM. The worker keeps its one inherited pipe to the server.
- Landlock (through the `landlock` binding) lets the process create, write, truncate, rename or
  remove files only beneath the folder of episode databases; reading stays allowed.
Where the kernel or the library lacks a mechanism, `confine` says so in its notes and the worker
carries on with what it has.
"""

from __future__ import annotations

import errno
from pathlib import Path

__all__ = ["DENIED_SYSCALLS", "confine"]

DENIED_SYSCALLS = (
    "execve", "execveat", "fork", "vfork", "clone", "clone3",
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
    "ptrace", "process_vm_readv", "process_vm_writev",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "bpf", "perf_event_open", "userfaultfd", "open_by_handle_at", "keyctl", "add_key", "request_key",
)  # fmt: skip
"""System calls the worker may not make once confined."""
OWN_ONLY_SYSCALLS = ("prlimit64",)
"""System calls the worker may make on itself only (pid 0): it renews its own CPU limit, no one else's."""


def confine(writable: Path) -> list[str]:
    """Confine this process (seccomp, then Landlock); returns a note for each mechanism that is missing."""
    # seccomp first: loading libseccomp may write temporary files, which Landlock then forbids
    return [note for note in (_seccomp(), _landlock(writable)) if note]


def _seccomp() -> str | None:
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError, RuntimeError) as exc:
        return f"seccomp is unavailable ({exc}); tool workers can still start processes and open sockets"
    try:
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        for name in DENIED_SYSCALLS:
            try:
                action = seccomp.ERRNO(
                    errno.ENOSYS if name == "clone3" else errno.EPERM
                )  # glibc falls back from clone3
                rules.add_rule(action, name)
            except (OSError, ValueError):
                continue  # a call this architecture does not have
        for name in OWN_ONLY_SYSCALLS:
            try:
                rules.add_rule(seccomp.ERRNO(errno.EPERM), name, seccomp.Arg(0, seccomp.NE, 0))
            except (OSError, ValueError):
                continue
        rules.load()
    except OSError as exc:
        return f"seccomp could not be applied ({exc}); tool workers can still start processes and open sockets"
    return None


def _landlock(writable: Path) -> str | None:
    try:
        from landlock import FSAccess, LandlockError, Ruleset, landlock_abi_version
    except ImportError as exc:
        return f"Landlock is unavailable ({exc}); tool workers can still write files"
    try:
        abi = landlock_abi_version()
        rights = (
            FSAccess.WRITE_FILE | FSAccess.REMOVE_DIR | FSAccess.REMOVE_FILE | FSAccess.MAKE_CHAR | FSAccess.MAKE_DIR
            | FSAccess.MAKE_REG | FSAccess.MAKE_SOCK | FSAccess.MAKE_FIFO | FSAccess.MAKE_BLOCK | FSAccess.MAKE_SYM
        )  # fmt: skip
        if abi >= 2:
            rights |= FSAccess.REFER
        if abi >= 3:
            rights |= FSAccess.TRUNCATE
        ruleset = Ruleset(restrict_rules=rights)
        ruleset.allow(str(writable))
        ruleset.apply()
    except (LandlockError, OSError) as exc:
        return f"Landlock is not available in this kernel ({exc}); tool workers can still write files"
    return None
