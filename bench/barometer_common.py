"""Shared helpers of the barometer benchmarks: Django set-up, a tiny HTTP client with cookies,
servers started on loopback, answers for a real questionnaire."""

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# bench/ holds modules named like the apps (bench/directory.py): keep it out of the import path,
# and work from the project root (Celery's Django fix-up puts the current directory first).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() not in {BENCH, ROOT}]
sys.path.append(str(BENCH))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cops.settings")

import django  # noqa: E402

django.setup()

from barometer.forms import field_name, other_name  # noqa: E402
from barometer.logic import OTHER  # noqa: E402

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLIENT_KEY = re.compile(r'name="client_key" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(values: list[float]) -> str:
    return (
        f"n={len(values)} median={statistics.median(values):.0f} ms "
        f"p95={percentile(values, 95):.0f} ms max={max(values):.0f} ms"
    )


class Browser:
    """One respondent: a keep-alive connection and its cookies."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.timings: list[float] = []

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urlencode(data, doseq=True) if data is not None else None
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        for attempt in range(2):
            try:
                started = time.perf_counter()
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                self.timings.append((time.perf_counter() - started) * 1000)
                break
            except (ConnectionError, http.client.HTTPException):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), text


def form_data(questions, values) -> dict:
    """POST data of one page for the given answers (barometer.logic.Value per question id)."""
    data = {}
    for question in questions:
        value = values.get(question.pk)
        if value is None:
            continue
        if question.has_choices:
            data[field_name(question)] = list(value.choices)
            if OTHER in value.choices:
                data[other_name(question)] = value.text
        elif value.number is not None:
            data[field_name(question)] = str(value.number).replace(".", ",")
        else:
            data[field_name(question)] = value.text
    return data


def start_gunicorn(port: int, env: dict, workers: int = 3, threads: int = 4) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "cops.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "false", **env},
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def stop(process: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def machine_load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"


def add_comparison_arguments(parser) -> None:
    parser.add_argument("--save", default="", help="write this run's figures to a JSON file")
    parser.add_argument("--baseline", default="", help="a JSON file of an earlier run, printed beside")


def compare_and_save(figures: dict, args) -> None:
    """Print an earlier run's figures (`--baseline`) beside these ones; write these (`--save`)."""
    import json

    if args.baseline:
        with open(args.baseline) as handle:
            earlier = json.load(handle)
        print(f"\n{'':28} {'earlier':>10} {'this run':>10}")
        for name, value in figures.items():
            print(f"{name:28} {str(earlier.get(name, '')):>10} {str(value):>10}")
    if args.save:
        with open(args.save, "w") as handle:
            json.dump(figures, handle, indent=1)


# --- A local SMTP sink standing for the mail relay, and the CPU each party uses ---------------------

_SINK = r"""
import signal, sys
from aiosmtpd.controller import Controller
import collections
PREFIX = sys.argv[2]
class Counter:
    # Counts only this benchmark's recipients: another process on the machine may reuse a port.
    count = 0
    seen = collections.Counter()
    async def handle_DATA(self, server, session, envelope):
        mine = [a for a in envelope.rcpt_tos if a.startswith(PREFIX) and a.endswith("@exemple.fr")]
        Counter.count += len(mine)
        Counter.seen.update(mine)
        return "250 OK"
controller = Controller(Counter(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
def done(*_):
    controller.stop()
    twice = {address: n for address, n in Counter.seen.items() if n > 1}
    print(Counter.count, len(Counter.seen), repr(dict(list(twice.items())[:5])), flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
signal.pause()
"""


def start_sink(port: int, *, prefix: str, nice: int) -> subprocess.Popen:
    """An SMTP sink (aiosmtpd, its own process) counting the messages to addresses starting with
    `prefix`. It stands for the remote mail relay of a real deployment: run at a low CPU priority
    (`nice`), its work on this machine does not count as the site's own load."""
    return subprocess.Popen(
        ["nice", "-n", str(nice), sys.executable, "-c", _SINK, str(port), prefix],
        stdout=subprocess.PIPE,
        text=True,
    )


def sink_counts(sink: subprocess.Popen) -> tuple[int, int, str]:
    """Stop the sink: (messages accepted, distinct addresses, addresses received more than once)."""
    sink.terminate()
    output = (sink.communicate(timeout=20)[0] or "0 0 {}").strip().split(" ", 2)
    return int(output[0]), int(output[1]), output[2]


def cpu_by_party(parties: dict[str, str]):
    """CPU seconds used so far by the processes whose command line contains each marker."""
    from collections import Counter

    used, tick = Counter(), os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        for party, marker in parties.items():
            if marker in command:
                used[party] += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
                break
    return used
