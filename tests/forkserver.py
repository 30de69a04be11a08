"""Command runs as real processes without paying the SDK's import each time (a fork server).

``import composio`` costs about 4 s of CPU (its generated client models), more than the rest of most
command tests together, and a suite runs some forty commands in processes of their own. So each test
process keeps one *zygote*: a single-threaded Python that has imported the third-party packages (the
SDK, httpx, pydantic) and nothing of ``tui``. For every run it forks a monitor, which forks the
command; the command sets up its standard streams, working directory, environment and ``sys.argv`` as
a fresh ``python -m tui ARGS`` would, imports ``tui`` itself (so no module state of ours is shared)
and exits with the command's code; the monitor reports the pid and the exit status.

What the test gets behaves like ``subprocess.Popen``: its own pid (signals and SIGKILL reach the
command itself), pipes or a pseudo-terminal on its streams, ``poll``/``wait``/``kill`` and a
``returncode`` of ``-N`` for a signal. Tests about the interpreter's own start (the key never on a
command line, ``--help`` in a fresh process, the console in tmux) still ``exec`` a new Python.

The zygote ends when its test process does (its control socket closes).
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time

ZYGOTE = r'''
import atexit, io, json, os, signal, socket, sys, threading, traceback

import composio  # noqa: F401  (the point: imported once, before any fork)
import httpx  # noqa: F401

ctl = socket.socket(fileno=int(sys.argv[1]))
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # monitors are reaped by the kernel
ctl.send(b"ready")  # the imports are done: from here a command starts in milliseconds


def stdio(fd, mode, errors, line):
    raw = io.FileIO(fd, mode, closefd=False)
    if mode == "rb":
        buffered = io.BufferedReader(raw)
    else:
        buffered = io.BufferedWriter(raw)
    return io.TextIOWrapper(buffered, encoding="utf-8", errors=errors, line_buffering=line,
                            write_through=False)


def command(req, fds):
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    os.closerange(3, 1 << 16)
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.stdin = sys.__stdin__ = stdio(0, "rb", "strict", False)
    sys.stdout = sys.__stdout__ = stdio(1, "wb", "strict", os.isatty(1))
    sys.stderr = sys.__stderr__ = stdio(2, "wb", "backslashreplace", True)
    sys.argv = ["-m", *req["args"]]
    sys.path[0] = req["cwd"]
    code = 0
    try:
        import runpy
        runpy.run_module("tui", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        code = -1  # as Python does: die of the SIGINT itself (below)
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        threading._shutdown()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    if code == -1:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code & 0xFF)


while True:
    try:
        msg, fds, _flags, _addr = socket.recv_fds(ctl, 1 << 20, 8)
    except OSError:
        break
    if not msg:
        break
    req = json.loads(msg)
    if os.fork() == 0:  # the monitor
        ctl.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        status = socket.socket(fileno=fds[3])
        try:
            pid = os.fork()
            if pid == 0:
                status.close()
                command(req, fds)
            for fd in fds[:3]:
                os.close(fd)
            status.sendall(f"{pid}\n".encode())
            _, wait_status = os.waitpid(pid, 0)
            status.sendall(f"{os.waitstatus_to_exitcode(wait_status)}\n".encode())
        except BaseException:
            try:
                status.sendall(("error " + traceback.format_exc().replace("\n", " | ") + "\n").encode())
            except BaseException:
                pass
        os._exit(0)
    for fd in fds:
        os.close(fd)
'''

_lock = threading.Lock()
_zygote: tuple[subprocess.Popen, socket.socket] | None = None

STARTUP_TIMEOUT = 180.0
"""Seconds the zygote may take to import the SDK. About 5 s of CPU, but the first command of a test
process starts while the other workers collect (each importing the SDK too) beside a busy process: it
once took over 30 s, which was then the whole budget of the command's start."""
START_TIMEOUT = 30.0
"""Seconds from asking a ready zygote for a command to hearing its pid (two forks)."""


def _control() -> socket.socket:
    global _zygote
    with _lock:
        if _zygote is None or _zygote[0].poll() is not None:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            proc = subprocess.Popen([sys.executable, "-c", ZYGOTE, str(theirs.fileno())], pass_fds=[theirs.fileno()],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None)
            theirs.close()
            ready, _, _ = select.select([ours], [], [], STARTUP_TIMEOUT)
            hello = ours.recv(16) if ready else None
            if hello != b"ready":
                proc.kill()  # a no-op for one that already exited; either way it is reaped here
                code = proc.wait()
                ours.close()
                raise RuntimeError(f"the fork server did not start within {STARTUP_TIMEOUT:.0f} s"
                                   if hello is None else f"the fork server failed to start (exit {code})")
            _zygote = (proc, ours)
        return _zygote[1]


class Process:
    """``subprocess.Popen([sys.executable, "-m", "tui", *args], ...)``, forked from the zygote."""

    def __init__(self, args: list[str], *, stdin=None, stdout=None, stderr=None, env=None, cwd=None,
                 text: bool = False) -> None:
        self.args = list(args)
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None
        child_fds: list[int] = []
        to_close: list[int] = []

        def stream(spec, index: int, reading: bool) -> tuple[int, object]:
            if spec is None:
                return index, None
            if spec == subprocess.DEVNULL:
                fd = os.open(os.devnull, os.O_RDWR)
                to_close.append(fd)
                return fd, None
            if spec == subprocess.PIPE:
                r, w = os.pipe()
                mine, theirs = (w, r) if reading else (r, w)
                to_close.append(theirs)
                mode = ("w" if reading else "r") + ("" if text else "b")
                return theirs, open(mine, mode, encoding="utf-8" if text else None, buffering=-1)
            if spec == subprocess.STDOUT:
                return child_fds[1], None
            return (spec if isinstance(spec, int) else spec.fileno()), None

        fd, self.stdin = stream(stdin, 0, True)
        child_fds.append(fd)
        fd, self.stdout = stream(stdout, 1, False)
        child_fds.append(fd)
        fd, self.stderr = stream(stderr, 2, False)
        child_fds.append(fd)
        self._status, theirs = socket.socketpair()
        request = {"args": self.args, "env": dict(os.environ if env is None else env),
                   "cwd": os.fspath(cwd) if cwd is not None else os.getcwd()}
        try:
            socket.send_fds(_control(), [json.dumps(request).encode()], [*child_fds, theirs.fileno()])
        except BaseException:
            self._status.close()
            for fh in (self.stdin, self.stdout, self.stderr):
                if fh is not None:
                    fh.close()
            raise
        finally:
            theirs.close()
            for fd in to_close:
                os.close(fd)
        self._buffer = b""
        first = self._line(START_TIMEOUT)
        if first is None or not first.isdigit():
            raise RuntimeError(f"the fork server did not start the command: {first}")
        self.pid = int(first)

    def _line(self, timeout: float | None) -> str | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._status], [], [], left)
            if not ready:
                return None
            chunk = self._status.recv(65536)
            if not chunk:
                raise RuntimeError("the fork server's monitor went away")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def poll(self) -> int | None:
        if self.returncode is None:
            line = self._line(0)
            if line is not None:
                self.returncode = int(line)
                self._status.close()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            line = self._line(timeout)
            if line is None:
                raise subprocess.TimeoutExpired(self.args, timeout)
            self.returncode = int(line)
            self._status.close()
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        import signal

        self.send_signal(signal.SIGKILL)

    def communicate(self, input: str | bytes | None = None, timeout: float | None = None):
        """Write ``input``, read both pipes to their end, wait (like ``Popen.communicate``)."""
        results: dict[str, object] = {}

        def drain(name: str, fh) -> None:
            results[name] = fh.read()
            fh.close()

        readers = [threading.Thread(target=drain, args=(name, fh), daemon=True)
                   for name, fh in (("out", self.stdout), ("err", self.stderr)) if fh is not None]
        for t in readers:
            t.start()
        if self.stdin is not None:
            try:
                if input:
                    self.stdin.write(input)
                self.stdin.close()
            except BrokenPipeError:
                pass
        self.wait(timeout)
        for t in readers:
            t.join(timeout)
        return results.get("out"), results.get("err")


def run(args: list[str], *, input: str | None = None, timeout: float = 60, env=None,
        stdin=None, cwd=None) -> subprocess.CompletedProcess:
    """``subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, ...)``."""
    proc = Process(args, stdin=subprocess.PIPE if input is not None else stdin, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, env=env, cwd=cwd, text=True)
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return subprocess.CompletedProcess(["tui", *args], proc.returncode, out, err)
