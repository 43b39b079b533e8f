"""Runs one command and ends its whole process tree when whoever started it goes away.

Usage::

    python -m sentinel_localstack.watchdog [--grace SECONDS] [--pid-file PATH] -- COMMAND...

The harness starts LocalStack through this, because LocalStack does not reliably act on the
SIGTERM that a parent-death signal sends (its shutdown can hang after a Lambda ran), so a
starter killed with SIGKILL, by a CI time-out or the OOM killer, used to leave LocalStack and
its Lambda workers running, holding their port.

* **The lifeline is standard input.** The starter keeps the pipe's write end and never writes
  to it. However the starter ends (a clean stop, a panic, SIGKILL), the kernel closes that end
  and reading gives end-of-file. SIGTERM, SIGINT or SIGHUP sent to the watchdog mean the same.
* **Then the tree goes.** SIGTERM to the command's process group; after ``--grace`` seconds,
  SIGKILL to the group; then SIGKILL to every remaining descendant, also those that left the
  group. The watchdog is a child subreaper (``PR_SET_CHILD_SUBREAPER``), so descendants whose
  parent died become its children and are found and reaped.
* **The command cannot outlive the watchdog either**: it runs with a parent-death signal of
  SIGKILL, in a process group of its own, with standard input from ``/dev/null``.
* When the command exits by itself, the watchdog kills what it left behind and exits with the
  command's exit code (128 + N for a signal N).

Only the standard library is used; Linux only (prctl, /proc).
"""

import argparse
import ctypes
import os
import select
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
POLL_SECONDS = 0.1


def log(message: str) -> None:
    print(f"watchdog[{os.getpid()}]: {message}", file=sys.stderr, flush=True)


def prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl({option}): {os.strerror(error)}")


def processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, process group, state) for every process in /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read().decode(errors="replace")
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: read after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 3:
            table[int(name)] = (int(fields[1]), int(fields[2]), fields[0])
    return table


def live_tree(root: int, group: int) -> set[int]:
    """Live (non-zombie) processes that descend from `root` or belong to process group `group`."""
    table = processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    found |= {pid for pid, (_, pgrp, _) in table.items() if pgrp == group}
    return {pid for pid in found if pid in table and table[pid][2] not in ("Z", "X")}


class Watchdog:
    def __init__(self, command: list[str], grace: float, pid_file: str | None) -> None:
        self.command = command
        self.grace = grace
        self.pid_file = pid_file
        self.child = 0
        self.status: int | None = None
        self.stop_reason: str | None = None

    def spawn(self) -> None:
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            try:
                os.setpgid(0, 0)
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                if os.getppid() != parent:  # the watchdog died before prctl took effect
                    os._exit(1)
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.close(null)
                for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    signal.signal(number, signal.SIG_DFL)
                os.execvp(self.command[0], self.command)
            except BaseException as error:  # noqa: BLE001 - report anything, never return
                print(f"watchdog: cannot run {self.command[0]}: {error}", file=sys.stderr, flush=True)
            finally:
                os._exit(127)
        try:
            os.setpgid(child, child)  # also here, so the group exists before we signal it
        except OSError:
            pass  # the child already exec'd (it did setpgid itself) or exited
        self.child = child
        if self.pid_file:
            partial = f"{self.pid_file}.partial"
            with open(partial, "w") as handle:
                handle.write(f"{child}\n")
            os.replace(partial, self.pid_file)

    def reap(self) -> None:
        """Collects every exited child, noting the command's status."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.child:
                self.status = os.waitstatus_to_exitcode(status)

    def on_signal(self, number, _frame) -> None:
        self.stop_reason = f"got {signal.Signals(number).name}"

    def watch(self) -> str:
        """Waits until the lifeline closes, a stop signal arrives or the command exits."""
        while True:
            self.reap()
            if self.status is not None:
                return f"the command exited ({self.status})"
            if self.stop_reason:
                return self.stop_reason
            ready, _, _ = select.select([0], [], [], POLL_SECONDS)
            if ready and not os.read(0, 4096):
                return "its lifeline closed (the process that started it stopped it, or died)"

    def signal_group(self, number: int) -> None:
        try:
            os.killpg(self.child, number)
        except (ProcessLookupError, PermissionError):
            pass

    def terminate(self, reason: str) -> None:
        me = os.getpid()
        if live_tree(me, self.child):
            log(f"{reason}: stopping process group {self.child} (SIGTERM, SIGKILL after {self.grace:g} s)")
        self.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and live_tree(me, self.child):
            self.reap()
            time.sleep(0.05)
        rounds = 0
        while True:
            left = live_tree(me, self.child)
            if not left:
                break
            if rounds == 0:
                log(f"killing {len(left)} process(es) still running: {sorted(left)}")
            self.signal_group(signal.SIGKILL)
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self.reap()
            time.sleep(0.05)
            rounds += 1
        self.reap()

    def run(self) -> int:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(number, self.on_signal)
        self.spawn()
        reason = self.watch()
        self.terminate(reason)
        if self.pid_file:
            try:
                os.remove(self.pid_file)
            except FileNotFoundError:
                pass
        return self.status if self.status is not None else 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sentinel_localstack.watchdog", description=__doc__.split("\n\n")[0])
    parser.add_argument("--grace", type=float, default=3.0, help="seconds between SIGTERM and SIGKILL (default 3)")
    parser.add_argument("--pid-file", help="write the command's pid (also its process group) here")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("no command given: put it after --")
    if args.grace < 0:
        parser.error(f"--grace {args.grace:g} is negative: give the seconds to wait, e.g. 3")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    status = Watchdog(args.command, args.grace, args.pid_file).run()
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main())
