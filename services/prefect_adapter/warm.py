"""The warm process: flow runs forked from an interpreter that has already imported them.

`python -m services.prefect_adapter.warm --socket PATH` imports Prefect's engine and the
flow modules the deployments' entrypoints name, then listens on a Unix socket. Each
connection is a flow run that warm_start.py (the work pool's command) was asked to start:
the warm process forks, and the child takes the starter's standard streams, environment,
arguments and working directory, refreshes Prefect's settings and logging from that
environment, sends its pid, runs `prefect.engine` as `python -m prefect.engine` would, and
sends its exit code. If the starter is killed outright (SIGKILL), the child is killed with
it: the starter stands for the run's process.

Forking is only safe from a process with one thread, so the warm process checks that after
its imports and refuses to start otherwise (the starters then start cold). It holds no state:
`cchc up` starts one next to its workers and stops it with them.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import json
import os
import runpy
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from services.prefect_adapter.warm_start import HEADER

PRELOAD = ("prefect.engine", "prefect.flow_engine", "prefect.deployments.steps")
SOCKET = "warm.sock"  # in the stack's Prefect home


def command(path: Path) -> list[str]:
    """The warm process's command line, listening on `path`."""
    return [sys.executable, "-m", "services.prefect_adapter.warm", "--socket", str(path)]


def pool_template() -> dict[str, Any]:
    """The process pool's base job template with warm_start.py as its command."""
    from prefect.workers.process import ProcessWorker

    template = ProcessWorker.get_default_base_job_template()
    starter = Path(__file__).with_name("warm_start.py")
    command = template["variables"]["properties"]["command"]
    command["default"] = f"{sys.executable} -S -E {starter}"
    return template


def entrypoint_modules() -> list[str]:
    """The modules the deployments' entrypoints name (prefect.yaml's and every plan's)."""
    from services.prefect_adapter.deployments import PROPAGATION, ROOT, YEAR_END_REPORT

    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    paths = [d["entrypoint"] for d in declared["deployments"]]
    paths += [PROPAGATION[1], YEAR_END_REPORT[1]]
    return sorted({p.split(":")[0].removesuffix(".py").replace("/", ".") for p in paths})


def preload() -> list[str]:
    """Import what every flow run imports; the names of the modules imported."""
    names = [*PRELOAD, *entrypoint_modules()]
    for name in names:
        importlib.import_module(name)
    return names


def receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    header, fds, _flags, _addr = socket.recv_fds(conn, HEADER.size, 3)
    if len(header) != HEADER.size or len(fds) != 3:
        raise ValueError("a starter sent no streams")
    (length,) = HEADER.unpack(header)
    body = b""
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            raise ValueError("a starter hung up mid-request")
        body += chunk
    return json.loads(body), fds


def adopt(started: dict[str, Any], fds: list[int]) -> None:
    """Become the process the starter would have started."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(started["env"])
    os.chdir(started["cwd"])
    sys.argv = list(started["argv"])
    from prefect.context import refresh_global_settings_context
    from prefect.logging.configuration import setup_logging

    refresh_global_settings_context()
    setup_logging(incremental=True)


def watch(conn: socket.socket, finished: threading.Event) -> None:
    """The starter sends nothing more, so end of stream means it died without passing on a
    signal (SIGKILL): the run's process dies with it, as it would have without warm starts."""
    with contextlib.suppress(OSError):
        conn.recv(1)
    if not finished.is_set():
        os.kill(os.getpid(), signal.SIGKILL)


def child(conn: socket.socket) -> None:
    """In the forked child: run the flow, report, and leave without returning."""
    code = 1
    finished = threading.Event()
    try:
        started, fds = receive(conn)
        run = started["env"].get("PREFECT__FLOW_RUN_ID") or " ".join(started["argv"][1:])
        print(f"warm: flow run {run} in process {os.getpid()}", flush=True)  # to warm.log
        adopt(started, fds)
        conn.sendall(f"pid {os.getpid()}\n".encode())
        threading.Thread(target=watch, args=(conn, finished), daemon=True).start()
        try:
            sys.modules.pop("prefect.engine", None)  # run as __main__, as Prefect's own bootstrap
            runpy.run_module("prefect.engine", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:
        print(f"warm start failed: {exc!r}", file=sys.stderr)
    finally:
        finished.set()
        try:
            atexit._run_exitfuncs()  # Prefect drains its log and event workers here
            sys.stdout.flush()
            sys.stderr.flush()
            conn.sendall(f"exit {code}\n".encode())
        finally:
            os._exit(code)


def serve(path: Path) -> None:
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    print(f"warm: listening on {path}", flush=True)
    try:
        while True:
            conn, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the run's own subprocesses
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                child(conn)
            conn.close()
    finally:
        path.unlink(missing_ok=True)


def stop(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--socket", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    names = preload()
    if threading.active_count() != 1:
        sys.exit(f"warm: {threading.active_count()} threads after the imports; not forking")
    seconds = time.perf_counter() - started
    print(f"warm: {len(names)} modules imported in {seconds:.1f} s", flush=True)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    serve(args.socket)


if __name__ == "__main__":
    main()
