"""The watchdog ends the whole tree it started, however its starter ends (no LocalStack needed)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from sentinel_localstack import watchdog

# A command whose processes ignore SIGTERM, like a LocalStack whose shutdown hangs: a shell in
# the command's group with a child of its own, and a grandchild that leaves the group (setsid).
STUBBORN = (
    "trap '' TERM; "
    "setsid sh -c \"trap '' TERM; echo escaped=\\$\\$ >> $OUT; sleep 300\" & "
    "sh -c \"trap '' TERM; echo child=\\$\\$ >> $OUT; sleep 300\" & "
    "echo main=$$ >> $OUT; wait"
)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def start(tmp_path, command: str, grace: float = 0.5) -> tuple[subprocess.Popen, dict[str, int]]:
    out = tmp_path / "pids"
    pid_file = tmp_path / "command.pid"
    dog = subprocess.Popen(
        [sys.executable, "-m", "sentinel_localstack.watchdog", "--grace", str(grace), "--pid-file", str(pid_file), "--", "sh", "-c", command],
        stdin=subprocess.PIPE,
        env=dict(os.environ, OUT=str(out)),
        start_new_session=True,
    )

    def pids():
        if not out.exists():
            return None
        found = dict(line.split("=") for line in out.read_text().split())
        return {name: int(pid) for name, pid in found.items()} if len(found) == 3 else None

    found = wait_for(pids, 10, "the command's three processes")
    assert int(pid_file.read_text()) == found["main"], "the pid file names the command"
    return dog, found


def test_a_closed_lifeline_ends_the_whole_tree_even_when_sigterm_is_ignored(tmp_path):
    dog, pids = start(tmp_path, STUBBORN)
    assert all(alive(pid) for pid in pids.values())
    dog.stdin.close()  # what the kernel does when the starter is killed
    dog.wait(timeout=10)
    for name, pid in pids.items():
        wait_for(lambda pid=pid: not alive(pid), 5, f"{name} ({pid}) to end")
    assert not (tmp_path / "command.pid").exists(), "the pid file goes with the command"


def test_a_sigkilled_starter_takes_the_tree_with_it(tmp_path):
    out = tmp_path / "pids"
    # A starter process that starts the watchdog with a pipe, then is SIGKILLed.
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time;"
            "subprocess.Popen([sys.executable, '-m', 'sentinel_localstack.watchdog', '--grace', '0.5', '--', 'sh', '-c', sys.argv[1]],"
            " stdin=subprocess.PIPE, start_new_session=True);"
            "time.sleep(300)",
            STUBBORN,
        ],
        env=dict(os.environ, OUT=str(out)),
    )
    pids = wait_for(lambda: out.exists() and len(out.read_text().split()) == 3 and dict(l.split("=") for l in out.read_text().split()), 10, "the tree")
    starter.send_signal(signal.SIGKILL)
    starter.wait()
    for name, pid in pids.items():
        wait_for(lambda pid=int(pid): not alive(pid), 8, f"{name} ({pid}) to end after the starter's SIGKILL")


def test_sigterm_to_the_watchdog_stops_the_tree(tmp_path):
    dog, pids = start(tmp_path, STUBBORN)
    dog.send_signal(signal.SIGTERM)
    dog.wait(timeout=10)
    assert not any(alive(pid) for pid in pids.values())


def test_the_commands_exit_code_is_passed_on_and_leftovers_are_killed(tmp_path):
    out = tmp_path / "left"
    dog = subprocess.Popen(
        [sys.executable, "-m", "sentinel_localstack.watchdog", "--", "sh", "-c", f"sleep 300 & echo $! > {out}; exit 3"],
        stdin=subprocess.PIPE,
    )
    assert dog.wait(timeout=10) == 3
    left = int(out.read_text())
    wait_for(lambda: not alive(left), 5, "the command's leftover child to end")


def test_a_command_that_cannot_run_reports_127(tmp_path):
    dog = subprocess.run(
        [sys.executable, "-m", "sentinel_localstack.watchdog", "--", str(tmp_path / "no-such-program")],
        stdin=subprocess.PIPE,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert dog.returncode == 127
    assert "cannot run" in dog.stderr


@pytest.mark.parametrize(
    "argv, message",
    [([], "no command given"), (["--grace", "-1", "--", "true"], "is negative")],
)
def test_bad_arguments_say_what_to_do(argv, message, capsys):
    with pytest.raises(SystemExit):
        watchdog.parse(argv)
    assert message in capsys.readouterr().err
