"""The shared state of distributed runs in Redis: the run's queues, who holds which request, heartbeats, pacing.

A unit of work is one request, named by a run-wide id (`rid`). Its serialized request sits in the run's `pending`
hash until the work is finished; the agency's queue (a sorted set) holds the ids waiting to be taken; `owners`
says which worker took which id. A worker takes an id atomically (the same Lua call moves it from the queue to
`owners`), so a request is always either queued, held by a named worker, or finished: the coordinator re-queues
what a dead worker held and finishes the run when `pending` is empty. Every key starts with the configured prefix.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis

_TAKE = """
local ids = redis.call('ZRANGE', KEYS[1], 0, 0)
if #ids == 0 then return false end
redis.call('ZREM', KEYS[1], ids[1])
local payload = redis.call('HGET', KEYS[2], ids[1])
if not payload then return false end
redis.call('HSET', KEYS[3], ids[1], ARGV[1])
return {ids[1], payload}
"""

# Reserve the next send slot for a host: `delay` (the largest any worker has learnt for the host, e.g. from its
# robots.txt) after the previous reservation of any worker, and not before `earliest` seconds from now. Returns the
# seconds to wait. Redis's clock is the only clock.
_PACE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local delay = math.max(tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[2]) or '0'))
if tonumber(ARGV[1]) >= delay and delay > 0 then redis.call('SET', KEYS[2], ARGV[1], 'EX', 86400) end
local at = math.max(now + tonumber(ARGV[2]), tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.6f', at + delay), 'EX', 3600)
return string.format('%.6f', at - now)
"""

# Before sending: the reservation above orders the workers, but one that wakes late would leave less than the delay
# to the next; so the last actual send time is checked (and taken) atomically, on Redis's clock.
_CONFIRM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local delay = math.max(tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[2]) or '0'))
local free = tonumber(redis.call('GET', KEYS[1]) or '0') + delay
if now < free then return string.format('%.6f', free - now) end
redis.call('SET', KEYS[1], string.format('%.6f', now), 'EX', 3600)
return '0'
"""


def worker_id() -> str:
    """host:pid:random — unique per worker process, readable in `regwatch worker` output and in Redis."""
    import os

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def connect(url: str) -> redis.Redis:
    """A client for `url` (bytes in, bytes out); raises redis.RedisError when Redis cannot be reached."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)
    client.ping()
    return client


@dataclass(frozen=True)
class Board:
    """Keys and operations shared by every run under one prefix."""

    redis: redis.Redis
    prefix: str

    def key(self, *parts: object) -> str:
        return ":".join((self.prefix, *(str(p) for p in parts)))

    # --- the coordinator's lease and the current run ----------------------------------------------

    def claim_coordinator(self, holder: str, ttl: float) -> str | None:
        """Take the coordinator lease; returns None, or who holds it already."""
        if self.redis.set(self.key("coordinator"), holder, nx=True, px=int(ttl * 1000)):
            return None
        held = self.redis.get(self.key("coordinator"))
        return held.decode() if held else "someone (just released; try again)"

    def renew(self, holder: str, run_id: int | None, ttl: float) -> None:
        pipe = self.redis.pipeline()
        pipe.set(self.key("coordinator"), holder, xx=True, px=int(ttl * 1000))
        if run_id is not None:
            pipe.set(self.key("current"), run_id, px=int(ttl * 1000))
        pipe.execute()

    def release_coordinator(self, holder: str) -> None:
        if self.redis.get(self.key("coordinator")) == holder.encode():
            self.redis.delete(self.key("coordinator"), self.key("current"))

    def current_run(self) -> int | None:
        """The run being crawled now (None when none is, or when its coordinator has fallen silent)."""
        value = self.redis.get(self.key("current"))
        if value is None:
            return None
        run = RunBoard(self, int(value))
        return run.run_id if run.state() == "crawling" else None

    def run(self, run_id: int, worker: str = "") -> RunBoard:
        return RunBoard(self, run_id, worker)

    def forget_other_runs(self, keep: int) -> None:
        """Delete what crashed coordinators left behind (only one run is ever current under a prefix)."""
        stale = [k for k in self.redis.scan_iter(match=self.key("run", "*"), count=500)
                 if k.decode().split(":")[len(self.prefix.split(":")) + 1] != str(keep)]
        for i in range(0, len(stale), 500):
            self.redis.delete(*stale[i:i + 500])

    # --- workers ---------------------------------------------------------------------------------

    def beat(self, worker: str, info: dict[str, Any], ttl: float) -> None:
        self.redis.set(self.key("worker", worker), json.dumps(info), px=int(ttl * 1000))

    def retire(self, worker: str) -> None:
        self.redis.delete(self.key("worker", worker))

    def alive(self, workers: Iterable[str]) -> set[str]:
        names = sorted(set(workers))
        if not names:
            return set()
        pipe = self.redis.pipeline()
        for name in names:
            pipe.exists(self.key("worker", name))
        return {name for name, exists in zip(names, pipe.execute(), strict=True) if exists}

    def workers(self) -> dict[str, dict[str, Any]]:
        """The live workers and what each last said about itself."""
        out = {}
        start = len(self.key("worker", ""))
        for key in self.redis.scan_iter(match=self.key("worker", "*"), count=500):
            value = self.redis.get(key)
            if value is not None:
                out[key.decode()[start:]] = json.loads(value)
        return out

    # --- politeness across workers ---------------------------------------------------------------

    def pace(self, host: str, delay: float, earliest: float = 0.0) -> float:
        """Seconds to wait before sending to `host`, so that requests from all workers keep `delay` apart."""
        script = self.redis.register_script(_PACE)
        keys = [self.key("pace", host), self.key("pace-delay", host)]
        return float(script(keys=keys, args=[f"{delay:.6f}", f"{max(earliest, 0.0):.6f}"]))

    def confirm_send(self, host: str, delay: float) -> float:
        """0 when a request to `host` may leave now (and it is recorded as the last send), else seconds to wait."""
        script = self.redis.register_script(_CONFIRM)
        keys = [self.key("sent", host), self.key("pace-delay", host)]
        return float(script(keys=keys, args=[f"{delay:.6f}"]))


@dataclass(frozen=True)
class RunBoard:
    """One run's keys; `worker` is the id of the worker process using it (empty for the coordinator)."""

    board: Board
    run_id: int
    worker: str = ""

    def key(self, *parts: object) -> str:
        return self.board.key("run", self.run_id, *parts)

    @property
    def redis(self) -> redis.Redis:
        return self.board.redis

    def queue_key(self, spider: str) -> str:
        return self.key("queue", spider)

    # --- the run's description and state ---------------------------------------------------------

    def publish(self, info: dict[str, Any]) -> None:
        pipe = self.redis.pipeline()
        pipe.set(self.key("info"), json.dumps(info))
        pipe.set(self.key("state"), "crawling")
        pipe.execute()

    def info(self) -> dict[str, Any] | None:
        value = self.redis.get(self.key("info"))
        return json.loads(value) if value is not None else None

    def state(self) -> str | None:
        value = self.redis.get(self.key("state"))
        return value.decode() if value is not None else None

    def active(self) -> bool:
        """Still crawling: its coordinator is alive and has not declared it drained or aborted."""
        current = self.redis.get(self.board.key("current"))
        return current is not None and int(current) == self.run_id and self.state() == "crawling"

    def close(self, state: str) -> None:
        """Mark the run drained/aborted (workers stop) and delete its keys but the state (kept for an hour)."""
        self.redis.set(self.key("state"), state, ex=3600)
        keys = [k for k in self.redis.scan_iter(match=self.key("*"), count=500) if k != self.key("state").encode()]
        for i in range(0, len(keys), 500):
            self.redis.delete(*keys[i:i + 500])

    # --- work units --------------------------------------------------------------------------------

    def new_rid(self) -> str:
        return f"{self.redis.incr(self.key('seq')):010d}"

    def push(self, spider: str, rid: str, payload: bytes, priority: int, meta: dict[str, Any]) -> None:
        """Queue a request (new, or handed back by the worker holding it: a retry, a redirect)."""
        pipe = self.redis.pipeline()  # MULTI/EXEC: all or nothing
        pipe.hset(self.key("pending"), rid, payload)
        pipe.hset(self.key("meta"), rid, json.dumps({**meta, "spider": spider, "priority": priority}))
        pipe.hdel(self.key("owners"), rid)
        pipe.zadd(self.queue_key(spider), {rid: -priority})
        pipe.execute()

    def take(self, spider: str) -> tuple[str, bytes] | None:
        """Pop the most urgent request of `spider`'s queue and record that this worker holds it (atomically)."""
        script = self.redis.register_script(_TAKE)
        got = script(keys=[self.queue_key(spider), self.key("pending"), self.key("owners")], args=[self.worker])
        return (got[0].decode(), got[1]) if got else None

    def queued(self, spider: str) -> int:
        return int(self.redis.zcard(self.queue_key(spider)))

    def finish(self, rids: Iterable[str]) -> None:
        """The work of these ids is done: their responses were recorded and their follow-up requests queued."""
        rids = list(rids)
        if not rids:
            return
        pipe = self.redis.pipeline()
        for name in ("pending", "owners", "meta", "attempts"):
            pipe.hdel(self.key(name), *rids)
        pipe.hincrby(self.key("done"), self.worker or "coordinator", len(rids))
        pipe.execute()

    def hand_back(self, rids: Iterable[str]) -> None:
        """Put requests this worker took but will not finish (it is stopping) back in their queues."""
        for rid in rids:
            meta = self.redis.hget(self.key("meta"), rid)
            if meta is not None and self.redis.hget(self.key("owners"), rid) == self.worker.encode():
                spec = json.loads(meta)
                pipe = self.redis.pipeline()
                pipe.hdel(self.key("owners"), rid)
                pipe.zadd(self.queue_key(spec["spider"]), {rid: -spec["priority"]})
                pipe.execute()

    def pending(self) -> int:
        return int(self.redis.hlen(self.key("pending")))

    def held(self) -> dict[str, str]:
        """rid → the worker holding it."""
        return {k.decode(): v.decode() for k, v in self.redis.hgetall(self.key("owners")).items()}

    def done(self) -> dict[str, int]:
        """How many units each worker finished."""
        return {k.decode(): int(v) for k, v in self.redis.hgetall(self.key("done")).items()}

    def requeue(self, rid: str, worker: str) -> int:
        """Put a request held by a dead worker back in its queue; returns how often that has now happened."""
        meta = self.redis.hget(self.key("meta"), rid)
        if meta is None or self.redis.hget(self.key("owners"), rid) != worker.encode():
            return 0
        spec = json.loads(meta)
        pipe = self.redis.pipeline()
        pipe.hdel(self.key("owners"), rid)
        pipe.hincrby(self.key("attempts"), rid, 1)
        pipe.zadd(self.queue_key(spec["spider"]), {rid: -spec["priority"]})
        return int(pipe.execute()[1])

    def attempts(self, rid: str) -> int:
        return int(self.redis.hget(self.key("attempts"), rid) or 0)

    def give_up(self, rid: str) -> dict[str, Any]:
        """Drop a request for good (the caller records it as an error); returns what it was."""
        meta = self.redis.hget(self.key("meta"), rid)
        spec = json.loads(meta) if meta is not None else {}
        pipe = self.redis.pipeline()
        for name in ("pending", "owners", "meta", "attempts"):
            pipe.hdel(self.key(name), rid)
        pipe.zrem(self.queue_key(spec.get("spider", "")), rid)
        pipe.execute()
        return spec

    def all_pending(self) -> list[str]:
        return [k.decode() for k in self.redis.hkeys(self.key("pending"))]

    # --- state the spiders share -----------------------------------------------------------------

    def first_listed(self, source: str, keys: list[str]) -> list[bool]:
        """For each key: is this the first time a listing page of `source` showed it in this run?"""
        if not keys:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.sadd(self.key("listed", source), key)
        return [bool(added) for added in pipe.execute()]

    def block(self, host: str, reason: str) -> None:
        self.redis.hset(self.key("blocked"), host, reason)

    def blocked(self, host: str) -> str | None:
        value = self.redis.hget(self.key("blocked"), host)
        return value.decode() if value is not None else None
