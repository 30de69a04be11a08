"""Run one real Secret Service scenario inside ``dbus-run-session -- python session.py MODE WORKDIR``.

Sets up gnome-keyring-daemon for MODE, runs ``client.py`` actions in child processes (timing each and
watching the bus for unlock prompts), prints one JSON object on stdout, and always stops the daemons
it started (SIGCONT, then SIGTERM/SIGKILL). Pids are also written to WORKDIR/pids so the test can
clean up if this script itself is killed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

from jeepney import MessageType
from jeepney.bus_messages import Monitoring, message_bus
from jeepney.io.blocking import Proxy, open_dbus_connection
from jeepney.low_level import HeaderFields

HERE = Path(__file__).resolve().parent
CLIENT = HERE / "client.py"
PASSWORD = b"ci-pass"
SECRETS_NAME = "org.freedesktop.secrets"
PROMPT_MEMBERS = {"Unlock", "Prompt", "CreateCollection", "BeginPrompting", "PerformPrompt"}


def bus_pid(name: str) -> int | None:
    with closing(open_dbus_connection()) as conn:
        proxy = Proxy(message_bus, conn)
        try:
            return int(proxy.GetConnectionUnixProcessID(name)[0])
        except Exception:
            return None


def wait_for_owner(name: str, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    with closing(open_dbus_connection()) as conn:
        proxy = Proxy(message_bus, conn)
        while time.monotonic() < end:
            if proxy.NameHasOwner(name)[0]:
                return
            time.sleep(0.01)
    raise RuntimeError(f"{name} never appeared on the bus")


def record_pid(workdir: Path, pid: int | None) -> None:
    if pid:
        with open(workdir / "pids", "a") as fh:
            fh.write(f"{pid}\n")


def start_daemon(workdir: Path) -> int:
    """gnome-keyring-daemon --unlock: creates or unlocks the login keyring with PASSWORD."""
    with open(workdir / "daemon.out", "wb") as out:  # it prints GNOME_KEYRING_CONTROL=...
        subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
            input=PASSWORD, stdout=out, stderr=subprocess.STDOUT, timeout=10, check=True,
        )
    wait_for_owner(SECRETS_NAME)
    pid = bus_pid(SECRETS_NAME)
    if pid is None:
        raise RuntimeError("no pid for the Secret Service")
    record_pid(workdir, pid)
    return pid


def stop(pid: int) -> None:
    for sig in (signal.SIGCONT, signal.SIGTERM):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
    end = time.monotonic() + 2.0
    while time.monotonic() < end and alive(pid):
        time.sleep(0.02)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class PromptWatch:
    """A D-Bus monitor connection recording calls that could show an unlock/create prompt."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._conn = open_dbus_connection()
        self._conn.send_and_get_reply(Monitoring().BecomeMonitor([]))
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self._conn.receive(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:
                return
            member = msg.header.fields.get(HeaderFields.member, "")
            if msg.header.message_type == MessageType.method_call and member in PROMPT_MEMBERS:
                self.seen.append(member)

    def close(self) -> list[str]:
        self._stop.set()
        self._thread.join(2)
        self._conn.close()
        return self.seen


def run_client(action: str, timeout: float = 45.0) -> dict:  # a hang guard: generous under load
    start = time.time()
    proc = subprocess.Popen(
        [sys.executable, str(CLIENT), action], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    exited = time.time()
    lines = out.decode(errors="replace").strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else {}
    except ValueError:
        result = {}
    result.update(
        rc=proc.returncode, timed_out=timed_out, wall=exited - start,
        exit_delay=exited - result.get("printed_at", exited), stderr=err.decode(errors="replace")[-2000:],
    )
    return result


def lock_default_collection() -> bool:
    import secretstorage

    with closing(secretstorage.dbus_init()) as conn:
        collection = secretstorage.Collection(conn)
        collection.lock()
        return bool(collection.is_locked())


def default_collection_locked() -> bool | None:
    import secretstorage

    with closing(secretstorage.dbus_init()) as conn:
        try:
            return bool(secretstorage.Collection(conn).is_locked())
        except secretstorage.exceptions.ItemNotFoundException:
            return None


def naive_get() -> str:
    """keyring's own SecretService get_password on a locked collection (it calls unlock())."""
    from keyring.backends import SecretService

    box: dict[str, str] = {}

    def run() -> None:
        try:
            SecretService.Keyring().get_password("composio-tui", "https://backend.composio.dev")
            box["error"] = "none"
        except Exception as exc:
            box["error"] = type(exc).__name__

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(5)
    return box.get("error", "hung")


def freeze(daemon: int, timeout: float = 5.0) -> str:
    """SIGSTOP the daemon and wait until the kernel shows it stopped (T); returns the state seen."""
    os.kill(daemon, signal.SIGSTOP)
    deadline = time.monotonic() + timeout
    while True:
        state = Path(f"/proc/{daemon}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "T" or time.monotonic() > deadline:
            return state
        time.sleep(0.01)


def main(mode: str, workdir: Path) -> dict:
    report: dict = {"mode": mode}
    record_pid(workdir, bus_pid("org.freedesktop.DBus"))
    daemon: int | None = None
    try:
        if mode == "unlocked":
            daemon = start_daemon(workdir)
            report["client"] = run_client("roundtrip")
        elif mode == "locked":
            daemon = start_daemon(workdir)
            report["client_store"] = run_client("store")
            report["locked_before"] = lock_default_collection()
            watch = PromptWatch()
            report["client"] = run_client("locked")
            report["client_cli"] = run_client("cli-locked", timeout=40.0)
            report["prompt_calls"] = watch.close()
            report["locked_after"] = default_collection_locked()
            # Control: plain keyring does ask for an unlock, and the watch sees it.
            watch = PromptWatch()
            report["naive_error"] = naive_get()
            report["naive_prompt_calls"] = watch.close()
        elif mode == "no-collection":
            watch = PromptWatch()
            report["client"] = run_client("no-collection")
            report["prompt_calls"] = watch.close()
            daemon = bus_pid(SECRETS_NAME)  # started by D-Bus activation, if at all
            record_pid(workdir, daemon)
            report["default_collection"] = default_collection_locked()
        elif mode in ("frozen", "frozen-cli"):  # one frozen daemon; the library and console, or the commands
            daemon = start_daemon(workdir)
            report["client_store"] = run_client("store")
            report["daemon_stopped"] = freeze(daemon)
            if mode == "frozen":
                report["client"] = run_client("frozen")
                report["client_app"] = run_client("frozen-app")
                report["client_real_app"] = run_client("frozen-real-app")
            else:
                report["client_cli"] = run_client("cli-frozen", timeout=60.0)
        else:
            raise SystemExit(f"unknown mode {mode}")
    finally:
        if daemon:
            stop(daemon)
    return report


if __name__ == "__main__":
    result = main(sys.argv[1], Path(sys.argv[2]))
    print(json.dumps(result), flush=True)
