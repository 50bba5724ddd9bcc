"""SIGKILL at seeded random points of `regwatch run` over the FDA mirror, then check what survived.

A scenario is three stages on a copy of the FDA mirror, each ending with a run that completes:
  0 baseline  — the first run (migrations, every document stored as version 1, no alerts);
  1 edited    — after `mirror.edits.demo_edits` (a "should" → "must" reword, a guidance published, one withdrawn):
                changes and alerts (mail + webhook);
  2 confirmed — the withdrawal confirmed by a second run without it: a removal and its alerts.
Each seed picks a stage and a kill point: a random delay after the child opened the database ("db": migrations,
the run's start), a random delay after the mirror answered the child's n-th request ("fetch": crawl and store
writes), a random delay after its crawl closed ("closed": closing the run, alert delivery), or the moment the
webhook receiver acknowledged a given alert ("ack"). Delays and counts are drawn within what an uninterrupted
reference run measured. Children are forked by `tests.faults.zygote` (the real `regwatch` command line in a
pre-imported interpreter) so that a kill costs the run, not Python's and Scrapy's start-up.
After every kill the whole process group (the run and its parser worker processes) is gone, then the store is
checked (`store_checks.check_store`); at the end the store is compared with the reference's and every delivered
alert is accounted for.
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from sqlalchemy import text

from regwatch.mirror.edits import copy_site, demo_edits
from regwatch.mirror.server import MirrorServer
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from tests.e2e.conftest import SECRET, SECRET_ENV, set_crawl_delay, write_config
from tests.e2e.test_fda_crawl import fda_sources
from tests.faults.store_checks import Picture, check_store, picture, read_engine, sqlite_path

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("baseline", "edited", "confirmed")
STAGE_WEIGHTS = (3, 5, 2)
ANCHORS = ("db", "fetch", "closed", "ack")
ANCHOR_WEIGHTS = (2, 5, 2, 2)
MARKERS = {"db": "Opening the store", "crawl": "Spider opened", "closed": "Closing spider"}
CRAWL_DELAY = 0.02
ATTEMPT_TIMEOUT = 120.0


class Launcher:
    """Starts `regwatch` children through the pre-forking `tests.faults.zygote` process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.faults.zygote"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, cwd=ROOT)
        self._started: queue.Queue[int] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._changed = threading.Condition()
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(120):
            self.close()
            raise RuntimeError("the zygote did not start")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            message = json.loads(line)
            if "ready" in message:
                self._ready.set()
            elif "started" in message:
                self._started.put(message["started"])
            elif "exited" in message:
                with self._changed:
                    self._exits[message["exited"]] = message["code"]
                    self._changed.notify_all()

    def spawn(self, argv: list[str], env: dict[str, str], log: Path) -> int:
        assert self.proc.stdin is not None
        request = {"argv": argv, "env": env, "cwd": str(ROOT), "log": str(log)}
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        return self._started.get(timeout=30)

    def exit_code(self, pid: int) -> int | None:
        with self._changed:
            return self._exits.get(pid)

    def wait(self, pid: int, timeout: float) -> int | None:
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits, timeout)
            return self._exits.get(pid)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def kill_group(pid: int, timeout: float = 15.0) -> None:
    """SIGKILL the process group `pid` leads until no process of it is left (the launcher reaps them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.005)
    raise RuntimeError(f"process group {pid} survived SIGKILL for {timeout} s")


class Stamped(list):  # type: ignore[type-arg]
    """A receiver's list of received messages that also notes when each arrived (before it is acknowledged)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, item: Any) -> None:
        self.times.append(time.monotonic())
        super().append(item)


@dataclass(frozen=True)
class KillPlan:
    """Where seed `seed` kills: in which stage, after which anchor, how far into the anchor's window."""

    seed: int
    stage: int
    anchor: str  # db | fetch | closed | ack
    fraction: float  # which request / acknowledgement, or how far into the window after the marker
    jitter: float  # for `fetch`: how far into the mean gap between two requests

    @classmethod
    def of(cls, seed: int) -> KillPlan:
        rng = random.Random(seed)
        stage = rng.choices(range(len(STAGES)), weights=STAGE_WEIGHTS)[0]
        anchor = rng.choices(ANCHORS, weights=ANCHOR_WEIGHTS)[0]
        if stage == 0 and anchor == "ack":  # the baseline sends no alerts
            anchor = "closed"
        return cls(seed, stage, anchor, rng.random(), rng.random())


@dataclass(frozen=True)
class Target:
    """A plan made concrete: the kill comes `delay` s after the `count`-th event of `anchor` (or after the marker)."""

    anchor: str
    delay: float
    count: int = 0

    def describe(self) -> str:
        if self.anchor == "ack":
            return f"at the webhook's acknowledgement {self.count} of this run"
        if self.anchor == "fetch":
            return f"{self.delay:.3f} s after the mirror answered request {self.count} of this run"
        return f"{self.delay:.3f} s after '{MARKERS[self.anchor]}'"


@dataclass
class Attempt:
    """One `regwatch run` child: killed by its plan, or completed."""

    number: int
    stage: int
    plan: KillPlan | None
    started: float
    log: Path
    ended: float = 0.0
    killed: bool = False
    code: int | None = None
    marks: dict[str, float] = field(default_factory=dict)
    target: str = ""
    phase: str = ""
    webhooks: int = 0  # webhook messages received while it ran
    requests: int = 0  # requests the mirror answered while it ran
    gap: float = 0.0  # the median time between two of them

    def describe(self) -> str:
        seed = f"seed={self.plan.seed} " if self.plan else ""
        at = f" killed at +{self.ended - self.started:.3f} s ({self.target}) in phase {self.phase}" if self.killed \
            else f" exited {self.code} after {self.ended - self.started:.3f} s" + (f" before its kill ({self.target})"
                                                                                  if self.plan else "")
        return f"attempt {self.number} {seed}stage={STAGES[self.stage]}{at}"


@dataclass
class Windows:
    """Measured by the reference, per stage: seconds from the database's opening to the crawl's start ("db") and
    from the crawl's end to the exit ("closed"), requests to the mirror and the mean gap between them, webhook
    alerts."""

    seconds: list[dict[str, float]]
    requests: list[int]
    gaps: list[float]
    acks: list[int]


@dataclass
class Duplicate:
    """One extra copy of an alert, charged to the kill of `seed`. `when`: "acknowledged before the kill" (the
    webhook receiver had answered), "received before the kill" (the mail server had the message; its answer is
    not timed) or "in flight at the kill" (the request reached the receiver only after the sender died)."""

    key: str
    seed: int | None
    when: str


@dataclass
class Outcome:
    """What a scenario leaves behind, for the comparison with the reference and the report."""

    attempts: list[Attempt]
    picture: Picture
    delivered: dict[str, int]  # alert key → copies received
    duplicates: list[Duplicate]
    problems: list[str]

    @property
    def kills(self) -> list[Attempt]:
        return [a for a in self.attempts if a.killed]

    def windows(self) -> Windows:
        finals = [next(a for a in reversed(self.attempts) if a.stage == s and not a.killed) for s in range(len(STAGES))]
        seconds = [{"db": a.marks[MARKERS["crawl"]] - a.marks[MARKERS["db"]],
                    "closed": max(a.ended - a.started - a.marks[MARKERS["closed"]], 0.02)} for a in finals]
        return Windows(seconds, [a.requests for a in finals], [a.gap for a in finals], [a.webhooks for a in finals])


class Rig:
    """What `regwatch run` is killed against: a copy of the FDA mirror site (robots.txt asking for `crawl_delay`
    seconds between requests) and its server, real SMTP and webhook receivers, the configuration naming them, and
    a read engine on the store."""

    def __init__(self, work: Path, db_url: str, launcher: Launcher, crawl_delay: float) -> None:
        self.work, self.db_url, self.launcher = work, db_url, launcher
        work.mkdir(parents=True, exist_ok=True)
        self.site = copy_site(work / "site-fda")
        set_crawl_delay(self.site, crawl_delay)
        self.mirror = MirrorServer(self.site)
        self.smtp, self.hook = SmtpReceiver(), WebhookReceiver(secret=SECRET)
        self.engine = read_engine(db_url)
        self.problems: list[str] = []

    def __enter__(self) -> Self:
        self.mirror.__enter__()
        self.smtp.start()
        self.hook.start()
        self.config = write_config(self.work / "config.yaml", fda_sources(self.mirror), self.smtp, self.hook)
        return self

    def __exit__(self, *exc: object) -> None:
        self.hook.stop()
        self.smtp.stop()
        self.mirror.__exit__(None, None, None)
        self.engine.dispose()


class Scenario(Rig):
    """The FDA mirror copy, the receivers, the configuration and the store of one scenario."""

    def __init__(self, work: Path, db_url: str, launcher: Launcher, say: Callable[[str], None] = print) -> None:
        super().__init__(work, db_url, launcher, CRAWL_DELAY)
        self.say = say
        self.smtp.messages, self.hook.deliveries = Stamped(), Stamped()  # type: ignore[assignment]
        self.hook.on_delivery = self._on_ack
        self.attempts: list[Attempt] = []
        self._ack_kill: tuple[int, int] | None = None  # (pid, the webhook delivery count that triggers the kill)
        self._ack_killed = threading.Event()
        self._ack_time = 0.0
        self.acks: dict[str, list[float]] = defaultdict(list)  # webhook-id → when each copy was acknowledged

    # --- running ------------------------------------------------------------------------------------

    def run(self, plans: list[KillPlan], windows: Windows | None) -> Outcome:
        """All stages; each stage's kill plans in seed order, then a run that must complete."""
        for stage in range(len(STAGES)):
            if stage == 1:
                demo_edits(self.site)
            for plan in sorted((p for p in plans if p.stage == stage), key=lambda p: p.seed):
                assert windows is not None
                self.attempt(stage, plan, windows)
            final = self.attempt(stage, None, windows)
            if final.code != 0:
                self.problems.append(f"{final.describe()}: the run after the kills did not complete: "
                                     + final.log.read_text(errors="replace")[-1500:])
        return self.outcome()

    def attempt(self, stage: int, plan: KillPlan | None, windows: Windows | None) -> Attempt:
        number = len(self.attempts) + 1
        log = self.work / f"attempt-{number:03d}.log"
        before_run = self._max_run_id()
        hooks_before, requests_before = len(self.hook.deliveries), len(self.mirror.log.entries())
        target = self._target(plan, windows)
        env = {**os.environ, SECRET_ENV: SECRET, "REGWATCH_DATABASE_URL": self.db_url,
               "REGWATCH_ALLOW_HOSTS": "127.0.0.1"}
        self._ack_killed.clear()
        started = time.monotonic()
        pid = self.launcher.spawn(["--config", str(self.config), "-v", "run"], env, log)
        attempt = Attempt(number, stage, plan, started, log, target=target.describe() if target else "")
        self.attempts.append(attempt)
        if target is not None and target.anchor == "ack":
            self._ack_kill = (pid, hooks_before + target.count)
        deadline: float | None = None
        seen = 0
        while True:
            code = self.launcher.exit_code(pid)
            if code == -signal.SIGKILL and self._ack_kill is not None and self._ack_killed.wait(5):
                continue  # the receiver's thread killed it: record that kill
            if self._ack_killed.is_set():
                attempt.killed, attempt.ended = True, self._ack_time
                break
            if code is not None:
                attempt.code, attempt.ended = code, time.monotonic()
                break
            now = time.monotonic()
            seen = self._marks(attempt, seen, now)
            if deadline is None and target is not None and target.anchor != "ack":
                if target.anchor == "fetch":
                    reached = len(self.mirror.log.entries()) - requests_before >= target.count
                else:
                    reached = MARKERS[target.anchor] in attempt.marks
                deadline = now + target.delay if reached else None
            if (deadline is not None and now >= deadline) or now - started > ATTEMPT_TIMEOUT:
                kill_group(pid)
                attempt.killed, attempt.ended = True, time.monotonic()
                if now - started > ATTEMPT_TIMEOUT:
                    self.problems.append(f"{attempt.describe()}: hung for {ATTEMPT_TIMEOUT:g} s")
                break
            time.sleep(0.004)
        self._ack_kill = None
        if attempt.killed:
            kill_group(pid)
            attempt.code = self.launcher.wait(pid, 30)
        attempt.webhooks = len(self.hook.deliveries) - hooks_before
        served = [e.time for e in self.mirror.log.entries()[requests_before:]]
        attempt.requests = len(served)
        attempt.gap = statistics.median([b - a for a, b in zip(served, served[1:], strict=False)] or [0.05])
        self._marks(attempt, seen, time.monotonic())
        attempt.phase = self._phase(attempt, before_run) if attempt.killed else "completed"
        self.say(attempt.describe())
        for problem in check_store(self.engine, self.db_url):
            self.problems.append(f"{attempt.describe()}: {problem}")
        return attempt

    def _target(self, plan: KillPlan | None, windows: Windows | None) -> Target | None:
        """The plan made concrete with the reference's measurements (and, for acknowledgements, the webhook
        alerts of this stage not delivered yet)."""
        if plan is None or windows is None:
            return None
        stage = plan.stage
        if plan.anchor == "fetch":
            return Target("fetch", plan.jitter * windows.gaps[stage], 1 + int(plan.fraction * windows.requests[stage]))
        pending = windows.acks[stage] - len({d.headers.get("webhook-id") for a in self.attempts if a.stage == stage
                                              for d in self._hooks_of(a)})
        if plan.anchor == "ack" and pending > 0:
            return Target("ack", 0.0, 1 + int(plan.fraction * pending))
        anchor = "closed" if plan.anchor == "ack" else plan.anchor
        return Target(anchor, plan.fraction * windows.seconds[stage][anchor])

    def _hooks_of(self, attempt: Attempt) -> list[Any]:
        times: list[float] = self.hook.deliveries.times  # type: ignore[attr-defined]
        end = attempt.ended or float("inf")
        return [d for t, d in zip(times, self.hook.deliveries, strict=True) if attempt.started <= t <= end + 1]

    def _on_ack(self, delivery: Any) -> None:
        self.acks[delivery.headers.get("webhook-id", "")].append(time.monotonic())
        target = self._ack_kill
        if target is not None and len(self.hook.deliveries) >= target[1] and not self._ack_killed.is_set():
            try:
                os.killpg(target[0], signal.SIGKILL)
            except ProcessLookupError:
                return
            self._ack_time = time.monotonic()
            self._ack_killed.set()

    def _marks(self, attempt: Attempt, seen: int, now: float) -> int:
        """Note the first time each marker line shows up in the child's log; returns the bytes read so far."""
        try:
            with attempt.log.open("rb") as f:
                f.seek(seen)
                chunk = f.read()
        except FileNotFoundError:
            return seen
        complete = chunk[:chunk.rfind(b"\n") + 1]
        for marker in MARKERS.values():
            if marker.encode() in complete:
                attempt.marks.setdefault(marker, now - attempt.started)
        return seen + len(complete)

    # --- state -----------------------------------------------------------------------------------------

    def _exists(self) -> bool:
        path = sqlite_path(self.db_url)
        if path is not None and not path.exists():
            return False
        with self.engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs' "
                                          "AND table_schema = current_schema()")).scalar_one()) if path is None \
                else bool(conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'runs'")).scalar_one())

    def _max_run_id(self) -> int:
        if not self._exists():
            return 0
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT coalesce(max(id), 0) FROM runs")).scalar_one()

    def _phase(self, attempt: Attempt, before_run: int) -> str:
        """Where the kill fell: startup, migrate, crawl (run open, nothing recorded yet), store (recording
        fetched documents), finish (crawl closed, run not yet closed) or delivery (run closed, alerts going out)."""
        if not self._exists():
            return "startup" if MARKERS["db"] not in attempt.marks else "migrate"
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT id, finished_at FROM runs WHERE id > :b ORDER BY id"), {"b": before_run}
                               ).first()
            if row is None:
                return "startup" if MARKERS["db"] not in attempt.marks else "migrate"
            if row.finished_at is not None:
                return "delivery"
            recorded = conn.execute(text("SELECT coalesce(sum(seen), 0) FROM source_runs WHERE run_id = :r"),
                                    {"r": row.id}).scalar_one()
        if MARKERS["closed"] in attempt.marks:
            return "finish"
        return "store" if recorded else "crawl"

    # --- the outcome -----------------------------------------------------------------------------------

    def receipts(self) -> list[tuple[float, str]]:
        """(time received, alert key) of every message both receivers got, in order."""
        hook = [(t, d.headers.get("webhook-id", "")) for t, d in zip(self.hook.deliveries.times,  # type: ignore
                                                                      self.hook.deliveries, strict=True)]
        mail = [(t, str(m["Message-ID"]).strip("<>").removesuffix("@regwatch"))
                for t, m in zip(self.smtp.messages.times, self.smtp.messages, strict=True)]  # type: ignore
        return sorted(hook + mail)

    def outcome(self) -> Outcome:
        receipts = self.receipts()
        delivered: dict[str, int] = defaultdict(int)
        for _, key in receipts:
            delivered[key] += 1
        duplicates, problems = account_for_duplicates(receipts, self.attempts, self.acks)
        origin = self.mirror.url("").rstrip("/")
        return Outcome(self.attempts, picture(self.engine, origin), dict(delivered), duplicates,
                       self.problems + problems)


def account_for_duplicates(receipts: list[tuple[float, str]], attempts: list[Attempt],
                           acks: dict[str, list[float]]) -> tuple[list[Duplicate], list[str]]:
    """Every copy of an alert but its last must be the last message a killed attempt's sender got acknowledged
    (or had in flight): the one item left `sending` by the kill. So at most one duplicate per kill."""
    starts = [a.started for a in attempts]
    last_of: dict[int, int] = {}
    owner: list[int] = []
    for i, (t, _) in enumerate(receipts):
        a = max((j for j, s in enumerate(starts) if s <= t), default=0)
        owner.append(a)
        last_of[a] = i
    copies: dict[str, list[int]] = defaultdict(list)
    for i, (_, key) in enumerate(receipts):
        copies[key].append(i)
    duplicates, problems = [], []
    for key, indexes in copies.items():
        for i in indexes[:-1]:
            attempt = attempts[owner[i]]
            if not attempt.killed or last_of[owner[i]] != i:
                problems.append(f"alert {key} delivered {len(indexes)} times; copy {indexes.index(i) + 1} "
                                f"is not explained by a kill ({attempt.describe()})")
                continue
            acked = acks.get(key, [])
            when = ("acknowledged before the kill" if any(t <= attempt.ended for t in acked) else
                    "received before the kill" if receipts[i][0] <= attempt.ended and not key.endswith("-hook") else
                    "in flight at the kill")
            duplicates.append(Duplicate(key, attempt.plan.seed if attempt.plan else None, when))
    return duplicates, problems


def compare(outcome: Outcome, reference: Outcome) -> list[str]:
    """The killed scenario's final store and deliveries against the uninterrupted reference's."""
    problems = [f"final store differs from the uninterrupted run's: {d}"
                for d in outcome.picture.differences(reference.picture)]
    got = {outcome.picture.alert_of_key.get(k, ("unknown key", k)) for k in outcome.delivered}
    want = {reference.picture.alert_of_key[k] for k in reference.delivered}
    if got != want:
        problems.append(f"alerts delivered differ: missing {sorted(want - got, key=repr)[:3]}, "
                        f"extra {sorted(got - want, key=repr)[:3]}")
    unsent = [k for k in outcome.picture.alert_of_key if k not in outcome.delivered]
    if unsent:
        problems.append(f"alerts never delivered: {unsent[:5]}")
    if len(outcome.duplicates) > len(outcome.kills):
        problems.append(f"{len(outcome.duplicates)} duplicate alerts for {len(outcome.kills)} kills")
    return problems
