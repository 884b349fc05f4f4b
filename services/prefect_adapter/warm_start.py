"""A flow run's process, started warm: the work pool's command under `cchc up`.

A process worker starts every flow run (and every resumed one) as a new interpreter that
imports Prefect and our flows before it can say Running: about 2.6 s on two cores, most of
a human gate's resume. This small program is the pool's `command` instead
(`python -S -E services/prefect_adapter/warm_start.py`, stdlib only, milliseconds to
start): it hands its standard streams, environment, arguments and working directory to the
warm process (warm.py here, whose socket CCHC_WARM_SOCKET names), which forks a child with
everything already imported to run the flow, and then stands in for that child: its exit
code is this program's, and SIGTERM, SIGINT and SIGHUP sent here (a cancellation) are
passed on to it.

When no warm process answers, it replaces itself with `python -m prefect.engine`, the
command the worker would have run: a missing warm process costs time, never a run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys

HEADER = struct.Struct("!Q")  # the length of the request that follows the streams


def request() -> bytes:
    return json.dumps(
        {"argv": ["prefect.engine", *sys.argv[1:]], "env": dict(os.environ), "cwd": os.getcwd()}
    ).encode()


def cold() -> None:
    """The worker's own command, in this process's place."""
    os.execv(sys.executable, [sys.executable, "-m", "prefect.engine", *sys.argv[1:]])


def connect(path: str | None) -> socket.socket | None:
    if not path:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        body = request()
        socket.send_fds(conn, [HEADER.pack(len(body))], [0, 1, 2])
        conn.sendall(body)
    except OSError:
        conn.close()
        return None
    return conn


def forward(pid: int) -> None:
    def relay(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, relay)


def main() -> int:
    conn = connect(os.environ.get("CCHC_WARM_SOCKET"))
    if conn is None:
        cold()
        return 1  # not reached: execv does not return
    with conn, conn.makefile("r", encoding="ascii") as answers:
        first = answers.readline().split()
        if first[:1] != ["pid"]:
            cold()  # the warm process went away before starting anything: start cold
        forward(int(first[1]))
        last = answers.readline().split()
    if last[:1] == ["exit"]:
        return int(last[1])
    print("warm start: the flow run's process ended without an exit code", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
