"""The central store at city scale: wrk against ``kiosk central serve`` on SQLite and PostgreSQL.

One command prints everything (the lead re-runs it on a quiet machine)::

    .venv/bin/python bench/central.py                      # SQLite, and PostgreSQL when
                                                          # $KIOSK_TEST_POSTGRES_URL is set
    .venv/bin/python bench/central.py --code /tmp/central-main --workers 1   # today's server

``--code DIR`` runs the server (and nothing else) from another source tree, e.g. main exported
with ``git archive main | tar -x -C /tmp/central-main``, so both sides are measured by the same
bench. The server is started as ``kiosk central serve`` (with ``--workers N`` when that option
exists), on a new SQLite file or a new database on the PostgreSQL server, seeded straight into
its tables (bookings, one device token per load thread, one staff login).

Scenarios, ``--seconds`` each, load tool on the same cores as the server:

- ``head pull``: what a kiosk does every few seconds, ``GET …/bookings?since=<head>`` with the
  ``If-None-Match`` the server gave on the previous answer (if it gives one);
- ``page of 50``: ``GET …/bookings?since=0&limit=50``, 50 bookings from the database;
- ``event push``: ``--devices`` kiosks of one hall pushing batches of ``--batch`` events (a
  citizen's day: ticket issued, checked in, called, started, completed, served: two of six change
  a booking), in order, as fast as the server answers;
- ``head pull + login flood``: the head pull again while wrong passwords for an existing staff
  user are posted to ``/staff/login`` at ``--flood-rate`` per second (wrk paced by ``delay()``),
  then as fast as two connections go; the pull rate is compared with the head pull alone.

Printed per scenario: requests/s (events/s for the push), p50/p99 latency, answers that were not
2xx/3xx, server CPU ms per request (utime+stime of the server process and its workers from
/proc) and, on PostgreSQL, CPU ms of the database backends serving it; the load average before
and after. Needs ``wrk`` (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

HALL = "xixia"
ZONE = ZoneInfo("Asia/Shanghai")
KEY = "bench-central-key-0123456789abcdef-0123"
STAFF = "bench-desk"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parents[1]


# --- CPU accounting ------------------------------------------------------------------------------


def _cpu_of(pid: int) -> float:
    """Seconds of CPU (user + system) a live process has used."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and all its descendants (uvicorn's workers)."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += _cpu_of(current)
        stack += _children(current)
    return total


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the store -----------------------------------------------------------------------------------


@dataclass
class Store:
    kind: str
    url: str
    engine: Engine
    database: str | None = None

    def backend_cpu(self) -> dict[int, float]:
        """CPU seconds of this database's PostgreSQL backends by pid (none on SQLite, or when
        the server's processes are not readable from here)."""
        if self.kind != "postgresql":
            return {}
        with self.engine.connect() as connection:
            pids = connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = :db "
                    "AND pid <> pg_backend_pid()"
                ),
                {"db": self.database},
            ).scalars()
            return {int(pid): _cpu_of(int(pid)) for pid in pids}


def backend_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the backends used in between (a backend that started in between counts whole; one
    that ended in between is lost, so this is a lower bound)."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


@contextmanager
def scratch_store(kind: str, postgres: str | None) -> Iterator[Store]:
    if kind == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="bench-central-"))
        url = f"sqlite:///{directory / 'central.sqlite3'}"
        engine = create_engine(url)
        try:
            yield Store(kind, url, engine)
        finally:
            engine.dispose()
            shutil.rmtree(directory, ignore_errors=True)
        return
    assert postgres is not None
    name = f"bench_central_{secrets.token_hex(4)}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        yield Store(kind, url, engine, name)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def hall_now() -> datetime:
    return datetime.now(ZONE).replace(tzinfo=None, microsecond=0)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def scrypt_hash(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


@dataclass
class Seeded:
    head: int
    booking_ids: list[str]
    tokens: list[str]


def seed(store: Store, bookings: int, devices: int) -> Seeded:
    """Bookings, device tokens and a staff login written with plain SQL: only the columns both
    today's schema and this branch's have, so the same seed serves both servers."""
    now = hall_now()
    first_day = (now + timedelta(days=1)).replace(hour=8, minute=0, second=0)
    rows: list[dict[str, Any]] = []
    for n in range(bookings):
        slot = first_day + timedelta(days=n % 5, minutes=30 * (n % 14))
        rows.append(
            {
                "id": f"bench{n:08d}",
                "hall_id": HALL,
                "service_id": "real-estate",
                "slot_start": slot,
                "slot_end": slot + timedelta(minutes=30),
                "id_hash": hashlib.sha256(f"holder-{n}".encode()).hexdigest(),
                "masked_name": "张*三",
                "masked_phone": "138****5678",
                "channel": "online",
                "status": "booked",
                "version": 1,
                "change_seq": n + 1,
                "created_at": now,
                "updated_at": now,
                "created_by": "bench",
            }
        )
    columns = ", ".join(rows[0])
    values = ", ".join(f":{name}" for name in rows[0])
    tokens = [f"hk1_bench{n}_{secrets.token_urlsafe(24)}" for n in range(devices)]
    with store.engine.begin() as connection:
        connection.execute(text(f"INSERT INTO bookings ({columns}) VALUES ({values})"), rows)
        connection.execute(
            text("UPDATE hall_counters SET value = :head WHERE hall_id = :hall"),
            {"head": bookings, "hall": HALL},
        )
        connection.execute(
            text(
                "INSERT INTO devices (hall_id, name, token_hash, created_at, last_sequence) "
                "VALUES (:hall, :name, :hash, :now, 0)"
            ),
            [
                {"hall": HALL, "name": f"bench-{n}", "hash": token_hash(t), "now": now}
                for n, t in enumerate(tokens)
            ],
        )
        staff = {"user": STAFF, "hash": scrypt_hash("the-right-password"), "now": now}
        if "role" in {c["name"] for c in inspect(connection).get_columns("staff")}:
            connection.execute(
                text(
                    "INSERT INTO staff (username, password_hash, created_at, active, role) "
                    "VALUES (:user, :hash, :now, :active, 'county_admin')"
                ),
                {**staff, "active": True},
            )
        else:
            connection.execute(
                text(
                    "INSERT INTO staff (username, password_hash, created_at, active) "
                    "VALUES (:user, :hash, :now, :active)"
                ),
                {**staff, "active": True},
            )
    return Seeded(bookings, [row["id"] for row in rows], tokens)


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    workers: int

    def cpu(self) -> float:
        return tree_cpu(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve_options(code: Path, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.app.cli.main", "central", "serve", "--help"],
        env=env,
        cwd=code,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def start_server(code: Path, database_url: str, workers: int) -> Server:
    env = {**os.environ, "KIOSK_ID_HASH_KEY": KEY, "PYTHONPATH": str(code)}
    port = free_port()
    command = [sys.executable, "-m", "kiosk.app.cli.main", "central", "serve", "--port", str(port)]
    command += ["--database-url", database_url]
    if "--workers" in serve_options(code, env):
        command += ["--workers", str(workers)]
    else:
        workers = 1
    process = subprocess.Popen(
        command, env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            assert process.stderr is not None  # stderr=PIPE
            raise RuntimeError(f"server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(f"{base}/api/v1/health", timeout=1).ok:
                return Server(process, base, workers)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not answer within 60 s")


# --- wrk -----------------------------------------------------------------------------------------

_DONE = """
done = function(summary, latency, requests)
  io.write(string.format(
    '\\n@@{"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,'
    .. '"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string literal for these values


def wrk_script(
    method: str, path: str, headers: dict[str, str], body: str | None, delay_ms: float
) -> str:
    lines = [f"wrk.method = {_lua_string(method)}", f"wrk.path = {_lua_string(path)}"]
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {_lua_string(body)}")
    if delay_ms > 0:
        lines.append(f"delay = function() return {delay_ms:.3f} end")
    return "\n".join(lines) + "\n" + _DONE


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    not_2xx_3xx: int
    socket_errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> str:
        """Answers that were not 2xx/3xx, and requests that got no answer (wrk's 5 s timeout,
        resets): ``status+socket``."""
        return f"{self.not_2xx_3xx}+{self.socket_errors}"


def start_wrk(
    base: str,
    script: str,
    seconds: float,
    connections: int,
    threads: int,
) -> tuple[subprocess.Popen[str], Path]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "-s",
        handle.name,
        base,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True), Path(handle.name)


def finish_wrk(process: subprocess.Popen[str], script: Path) -> Run:
    out, _err = process.communicate()
    script.unlink(missing_ok=True)
    line = next(line for line in out.splitlines() if line.startswith("@@"))
    data = json.loads(line[2:])
    return Run(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        not_2xx_3xx=data["status_errors"],
        socket_errors=data["socket_errors"],
    )


# --- scenarios -----------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    rate: float
    unit: str
    p50_ms: float
    p99_ms: float
    errors: str
    server_cpu_ms: float
    database_cpu_ms: float
    load_before: str
    load_after: str
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Bench:
    def __init__(self, args: argparse.Namespace, store: Store, server: Server, seeded: Seeded):
        self.args = args
        self.store = store
        self.server = server
        self.seeded = seeded
        self.auth = {"Authorization": f"Bearer {seeded.tokens[0]}"}
        self.pulls = f"/api/v1/halls/{HALL}/bookings"

    def measured(self, work: Any) -> tuple[Any, float, float, str, str]:
        """Run ``work()``; CPU seconds of the server and of its database backends, loads."""
        load_before = loadavg()
        server_before, db_before = self.server.cpu(), self.store.backend_cpu()
        outcome = work()
        server_cpu = self.server.cpu() - server_before
        db_cpu = backend_delta(db_before, self.store.backend_cpu())
        return outcome, server_cpu, db_cpu, load_before, loadavg()

    def wrk_result(
        self, name: str, method: str, path: str, headers: dict[str, str], note: str = ""
    ) -> Result:
        script = wrk_script(method, path, headers, None, 0)

        def work() -> Run:
            process, file = start_wrk(
                self.server.base,
                script,
                self.args.seconds,
                self.args.connections,
                self.args.wrk_threads,
            )
            return finish_wrk(process, file)

        run, cpu, db_cpu, before, after = self.measured(work)
        per = 1000 / max(run.requests, 1)
        return Result(
            name, run.rate, "req/s", run.p50_ms, run.p99_ms, run.errors,
            cpu * per, db_cpu * per, before, after, note,
        )  # fmt: skip

    def head(self) -> int:
        """The hall's change counter now (the event push moves it)."""
        with self.store.engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT value FROM hall_counters WHERE hall_id = :hall"), {"hall": HALL}
                ).scalar_one()
            )

    def head_headers(self) -> tuple[str, dict[str, str]]:
        today = hall_now().date().isoformat()
        path = f"{self.pulls}?since={self.head()}&limit=1000&from_day={today}"
        first = requests.get(self.server.base + path, headers=self.auth, timeout=10)
        first.raise_for_status()
        headers = dict(self.auth)
        if first.headers.get("ETag"):
            headers["If-None-Match"] = first.headers["ETag"]
        return path, headers

    def head_pull(self) -> Result:
        path, headers = self.head_headers()
        note = "If-None-Match sent" if "If-None-Match" in headers else "no ETag offered"
        return self.wrk_result("head pull", "GET", path, headers, note)

    def page_of_50(self) -> Result:
        path = f"{self.pulls}?since=0&limit=50"
        check = requests.get(self.server.base + path, headers=self.auth, timeout=10).json()
        assert len(check["bookings"]) == 50, check
        return self.wrk_result("page of 50", "GET", path, self.auth)

    def event_push(self) -> Result:
        devices = self.args.devices
        per_device = self.args.citizens // devices
        ids = self.seeded.booking_ids
        bodies: list[list[str]] = []
        for d in range(devices):
            events = []
            for c in range(per_device):
                booking = ids[(d * per_device + c) % len(ids)]
                events += citizen_events(d, c, booking)
            bodies.append(
                [
                    json.dumps({"events": events[i : i + self.args.batch]})
                    for i in range(0, len(events), self.args.batch)
                ]
            )
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def device(index: int) -> None:
            session = requests.Session()
            session.headers.update(
                {
                    "Authorization": f"Bearer {self.seeded.tokens[index]}",
                    "Content-Type": "application/json",
                }
            )
            for body in bodies[index]:
                started = time.perf_counter()
                answer = session.post(
                    f"{self.server.base}/api/v1/halls/{HALL}/events", data=body, timeout=60
                )
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    if answer.status_code != 200:
                        failures.append(f"{answer.status_code}: {answer.text[:200]}")
                    else:
                        outcomes = [r["outcome"] for r in answer.json()["results"]]
                        if "rejected" in outcomes:
                            failures.append("rejected: " + answer.text[:300])

        def work() -> float:
            threads = [threading.Thread(target=device, args=(n,)) for n in range(devices)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return time.perf_counter() - started

        seconds, cpu, db_cpu, before, after = self.measured(work)
        total = devices * per_device * len(citizen_events(0, 0, "x"))
        latencies.sort()
        note = f"{devices} devices, batches of {self.args.batch}"
        if failures:
            note += f"; {len(failures)} failed batches, first: {failures[0][:160]}"
        return Result(
            "event push", total / seconds, "events/s",
            1000 * latencies[len(latencies) // 2], 1000 * latencies[int(len(latencies) * 0.99)],
            f"{len(failures)}+0", 1000 * cpu / total, 1000 * db_cpu / total, before, after, note,
            {"events": total, "batches": len(latencies)},
        )  # fmt: skip

    def flooded(self, alone: Result, rate: float) -> Result:
        """Head pulls while wrong passwords hit /staff/login (paced at ``rate`` per second over
        4 connections, or as fast as 2 connections go when ``rate`` is 0)."""
        body = f"username={STAFF}&password=wrong-password-123&next=%2Fstaff%2F"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connections = 4 if rate > 0 else 2
        delay = 1000 * connections / rate if rate > 0 else 0
        flood_script = wrk_script("POST", "/staff/login", headers, body, delay)
        path, pull_headers = self.head_headers()
        pull_script = wrk_script("GET", path, pull_headers, None, 0)

        def work() -> tuple[Run, Run]:
            flood, flood_file = start_wrk(
                self.server.base, flood_script, self.args.seconds + 2, connections, 1
            )
            time.sleep(1)
            pulls, pulls_file = start_wrk(
                self.server.base,
                pull_script,
                self.args.seconds,
                self.args.connections,
                self.args.wrk_threads,
            )
            pull_run = finish_wrk(pulls, pulls_file)
            return pull_run, finish_wrk(flood, flood_file)

        (pull_run, flood_run), cpu, db_cpu, before, after = self.measured(work)
        per = 1000 / max(pull_run.requests + flood_run.requests, 1)
        label = f"{rate:g}/s paced" if rate > 0 else "unpaced, 2 connections"
        note = (
            f"login flood {label}: {flood_run.rate:.0f} answered/s "
            f"(p50 {flood_run.p50_ms:.1f} ms); pulls keep "
            f"{100 * pull_run.rate / max(alone.rate, 1e-9):.0f} % of the rate alone"
        )
        return Result(
            f"head pull + login flood ({label})", pull_run.rate, "req/s",
            pull_run.p50_ms, pull_run.p99_ms, pull_run.errors,
            cpu * per, db_cpu * per, before, after, note,
            {"flood_rate": flood_run.rate, "kept": pull_run.rate / max(alone.rate, 1e-9)},
        )  # fmt: skip


def citizen_events(device: int, citizen: int, booking: str) -> list[dict[str, Any]]:
    """One citizen's day at a kiosk as its outbox sends it (sequences increase per device)."""
    now = hall_now().isoformat()
    ticket = {
        "ticket_id": citizen + 1,
        "day": now[:10],
        "number": f"A{citizen % 1000:03d}",
        "service": "real-estate",
        "window": 1,
    }
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("ticket_issued", {**ticket, "kind": "booked", "queued_at": now}),
        ("booking_checked_in", {"booking_id": booking, "version": 1}),
        ("ticket_called", ticket),
        ("ticket_started", ticket),
        ("ticket_completed", {**ticket, "booking": booking, "service_minutes": 4.5}),
        ("booking_served", {"booking_id": booking}),
    ]
    return [
        {
            "idempotency_key": f"bench-{device}-{citizen}-{n}",
            "sequence": citizen * 10 + n + 1,
            "type": kind,
            "occurred_at": now,
            "payload": payload,
        }
        for n, (kind, payload) in enumerate(kinds)
    ]


# --- main ----------------------------------------------------------------------------------------


def run_backend(args: argparse.Namespace, kind: str) -> list[Result]:
    with scratch_store(kind, args.postgres_url) as store:
        server = start_server(args.code, store.url, args.workers)
        try:
            seeded = seed(store, args.bookings, args.devices)
            bench = Bench(args, store, server, seeded)
            wanted = set(args.only.split(","))
            results = []
            alone = bench.head_pull()
            results.append(alone)
            if "page" in wanted:
                results.append(bench.page_of_50())
            if "events" in wanted:
                results.append(bench.event_push())
            if "flood" in wanted:
                results.append(bench.flooded(alone, args.flood_rate))
                results.append(bench.flooded(alone, 0))
            for result in results:
                result.extra["workers"] = server.workers
            return results
        finally:
            server.stop()


def print_table(kind: str, results: list[Result]) -> None:
    print(f"\n## {kind}")
    print(
        "| scenario | rate | p50 / p99 ms | errors (status+socket) | server CPU ms/op "
        "| DB CPU ms/op | load before → after | note |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r.scenario} | {r.rate:,.0f} {r.unit} | {r.p50_ms:.1f} / {r.p99_ms:.1f} "
            f"| {r.errors} | {r.server_cpu_ms:.2f} | {r.database_cpu_ms:.2f} "
            f"| {r.load_before} → {r.load_after} | {r.note} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="source tree of the server")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("KIOSK_TEST_POSTGRES_URL"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (kiosks)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--bookings", type=int, default=3000)
    parser.add_argument("--devices", type=int, default=4, help="kiosks pushing events")
    parser.add_argument("--citizens", type=int, default=1000, help="event push: citizens' days")
    parser.add_argument("--batch", type=int, default=120, help="events per push")
    parser.add_argument("--flood-rate", type=float, default=50, help="login attempts per second")
    parser.add_argument(
        "--only",
        default="page,events,flood",
        help="scenarios besides the head pull: page, events, flood (comma separated)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    args.code = args.code.resolve()
    print(f"# central store bench: code {args.code}, {os.cpu_count()} cores, load {loadavg()}")
    everything: dict[str, list[dict[str, Any]]] = {}
    for kind in args.backends.split(","):
        if kind == "postgresql" and not args.postgres_url:
            print("\n## postgresql: skipped (no --postgres-url / $KIOSK_TEST_POSTGRES_URL)")
            continue
        results = run_backend(args, kind)
        print_table(f"{kind}, {results[0].extra['workers']} worker(s)", results)
        everything[kind] = [asdict(r) for r in results]
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
