"""Load and validate `config.yaml` into a typed, immutable `Config`.

Every user mistake (a typo, a missing field, a bad value) becomes one `ConfigError` line naming the key.
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from regwatch.cron import crontab_trigger
from regwatch.parsers.agencies import Agency
from regwatch.parsers.types import ParseError
from regwatch.store.vocabulary import ChangeKind, Significance

DEFAULT_DB_URL = "sqlite:///regwatch.db"


def regular_expressions(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """`patterns`, each checked to compile; a bad one is a ValueError naming it (a config error)."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a regular expression ({exc})") from None
    return patterns

class ConfigError(Exception):
    """A configuration mistake, already phrased for the user."""


def _check_unique(names: list[str], where: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"duplicate name {name!r} in {where}")
        seen.add(name)


def _env_name(value: str | None) -> str | None:
    """A `*_env` key names an environment variable: the secret itself never sits in the file."""
    if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError("must name an environment variable (letters, digits, '_'), not hold the secret itself")
    return value


def _no_password(url: str | None, instead: str) -> str | None:
    """A URL in the file carries no password (the file is shared, and URLs get printed)."""
    if url and urlsplit(url).password:
        raise ValueError(f"holds a password; secrets never sit in the file: {instead}")
    return url


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Watch(_Model):
    """Which catalogue records get their page and documents fetched (any match watches the record)."""

    centers: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    dockets: tuple[str, ...] = ()
    slugs: tuple[str, ...] = ()


class BoilerplateConfig(_Model):
    """A source's say on learned boilerplate (issue 15): `learn: false` ignores what was learned; `chrome` and
    `boxes` are regular expressions of text blocks (and of box titles, with `box_items` items after them) that
    are chrome on this source whatever was learned; `keep` of blocks that never are."""

    learn: bool = True
    chrome: tuple[str, ...] = ()
    boxes: tuple[str, ...] = ()
    box_items: Annotated[int, Field(ge=1, le=50)] = 5
    keep: tuple[str, ...] = ()

    @field_validator("chrome", "boxes", "keep")
    @classmethod
    def _regexes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return regular_expressions(value)


class SourceConfig(_Model):
    name: str
    agency: Agency | None = None
    type: Literal["catalogue", "feed", "listing", "page"] = "page"
    url: str | None = None
    start_urls: tuple[str, ...] = ()
    selector: str | None = None
    ignore: tuple[str, ...] = ()
    watch: Watch = Watch()
    max_pages: Annotated[int, Field(ge=1, le=1000)] = 5  # listing pages followed per run
    proxy: str | None = None  # an HTTP proxy for this source only (e.g. a KR egress for MFDS)
    enabled: bool = True
    boilerplate: BoilerplateConfig = BoilerplateConfig()

    @field_validator("name")
    @classmethod
    def _simple_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
            raise ValueError(f"{value!r} must be letters, digits, '-', '_' or '.' (it is used on the command line)")
        return value

    @field_validator("selector")
    @classmethod
    def _css(cls, value: str | None) -> str | None:
        """Checked now, not at the first page it should select from."""
        # the CSS selector engine (soupsieve) is loaded only for a source with a selector, so that the read
        # commands, which load the config, start at once (issue 13)
        from regwatch.parsers.selectors import checked

        if value is not None:
            try:
                checked(value)
            except ParseError as exc:
                raise ValueError(str(exc).splitlines()[0]) from None  # soupsieve adds lines pointing at the spot
        return value

    @field_validator("ignore")
    @classmethod
    def _regexes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return regular_expressions(value)

    @field_validator("url", "start_urls")
    @classmethod
    def _http_only(cls, value: Any) -> Any:
        for url in [value] if isinstance(value, str) else value or ():
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value

    @model_validator(mode="after")
    def _has_urls(self) -> SourceConfig:
        if not self.urls:
            raise ValueError("needs `url` or `start_urls`")
        if self.type in ("catalogue", "listing") and self.agency is None:
            raise ValueError(f"a {self.type} source needs an `agency`")
        return self

    @property
    def urls(self) -> tuple[str, ...]:
        return ((self.url,) if self.url else ()) + self.start_urls

    @property
    def spider_agency(self) -> str:
        """Which agency spider crawls this source (`page` for generic watches without an agency)."""
        return self.agency or "page"


class EmailChannelConfig(_Model):
    name: Annotated[str, Field(min_length=1)]
    type: Literal["email"]
    host: str
    port: Annotated[int, Field(gt=0, lt=65536)] = 25
    from_: str = Field(alias="from")
    to: Annotated[tuple[str, ...], Field(min_length=1)]
    starttls: bool = False
    tls: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout: Annotated[float, Field(gt=0)] = 30.0

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    _secret_env = field_validator("password_env")(classmethod(lambda cls, v: _env_name(v)))

    @field_validator("from_", "to")
    @classmethod
    def _addresses(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        for address in [value] if isinstance(value, str) else value:
            if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+", address):
                raise ValueError(f"{address!r} is not an email address (name@domain)")
        return value


class WebhookChannelConfig(_Model):
    name: Annotated[str, Field(min_length=1)]
    type: Literal["webhook"]
    url: str
    secret_env: str | None = None
    timeout: Annotated[float, Field(gt=0)] = 15.0

    _secret_env = field_validator("secret_env")(classmethod(lambda cls, v: _env_name(v)))

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        _no_password(value, "sign with secret_env instead")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class AppriseChannelConfig(_Model):
    """Slack, Microsoft Teams, Discord, Matrix, Telegram, ntfy … via Apprise URLs held in an environment variable
    (they embed the services' tokens), several separated by spaces or commas."""

    name: Annotated[str, Field(min_length=1)]
    type: Literal["apprise"]
    urls_env: Annotated[str, Field(min_length=1)]
    timeout: Annotated[float, Field(gt=0)] = 15.0

    _secret_env = field_validator("urls_env")(classmethod(lambda cls, v: _env_name(v)))


ChannelConfig = Annotated[EmailChannelConfig | WebhookChannelConfig | AppriseChannelConfig,
                          Field(discriminator="type")]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# a subscription names the kinds of a document's changes; a layout change is about the source, and always alerted
SubscribedKind = Literal[ChangeKind.NEW, ChangeKind.CHANGED, ChangeKind.REMOVED, ChangeKind.STATUS]


class SubscriptionConfig(_Model):
    """What one channel wants (every filter that is given must match) and whether at once or as a daily digest."""

    channel: str
    agencies: tuple[Agency, ...] = ()
    sources: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    kinds: tuple[SubscribedKind, ...] = ()
    min_significance: Significance = Significance.EDITORIAL
    mode: Literal["immediate", "digest", "weekly"] = "immediate"  # digest: daily; weekly: on weekly_digest_day
    deadlines: bool = True  # deadline.approaching / deadline.changed alerts (always sent at once)


class AlertsConfig(_Model):
    channels: tuple[ChannelConfig, ...] = ()
    subscriptions: tuple[SubscriptionConfig, ...] = ()
    max_attempts: Annotated[int, Field(ge=1)] = 8
    backoff_seconds: Annotated[float, Field(ge=0)] = 60.0
    web_base: str | None = None
    # days before a comment-close, effective or transition-end date when a deadline.approaching alert goes out
    deadline_reminders: tuple[Annotated[int, Field(ge=0, le=3650, strict=True)], ...] = (30, 7, 1)
    weekly_digest_day: Weekday = "monday"  # the day `mode: weekly` subscriptions get their digest
    quiet_days: tuple[Weekday, ...] = ()  # no digest goes out on these days (schedule.timezone); the next catches up

    @field_validator("deadline_reminders")
    @classmethod
    def _distinct_reminders(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each number of days may appear once")
        return tuple(sorted(value, reverse=True))
    # no new send starts after this many seconds of a run's delivery: a run spends at most this plus the longest
    # channel `timeout` (each delivery's deadline) on alerts; the rest wait for the next run
    delivery_budget_seconds: Annotated[float, Field(gt=0, le=86400)] = 300.0

    @model_validator(mode="after")
    def _unique_names(self) -> AlertsConfig:
        _check_unique([c.name for c in self.channels], "alerts.channels")
        if self.weekly_digest_day in self.quiet_days:
            raise ValueError(f"quiet_days includes weekly_digest_day ({self.weekly_digest_day}): weekly digests "
                             "would never be sent")
        names = {c.name for c in self.channels}
        for i, sub in enumerate(self.subscriptions):
            if sub.channel not in names:
                raise ValueError(f"subscriptions[{i}].channel {sub.channel!r} is not a configured channel "
                                 f"(channels: {', '.join(sorted(names)) or 'none'})")
        return self


class NetworkConfig(_Model):
    """Hosts the SSRF guard lets through although they resolve to loopback or private addresses (names, IPs or
    CIDR ranges); `$REGWATCH_ALLOW_HOSTS` (comma-separated) adds to them."""

    allow_hosts: tuple[str, ...] = ()

    @field_validator("allow_hosts")
    @classmethod
    def _hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                if "/" in item or ":" in item or not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.?", item):
                    raise ValueError(f"{item!r} is not a host name, an IP address or a CIDR range") from None
        return value

    def allowed(self, env: dict[str, str] | None = None) -> list[str]:
        extra = (os.environ if env is None else env).get("REGWATCH_ALLOW_HOSTS", "")
        return [*self.allow_hosts, *(h.strip() for h in extra.split(",") if h.strip())]


class StoreConfig(_Model):
    url: str = DEFAULT_DB_URL
    busy_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0  # SQLite: how long a writer waits for another

    _url_without_password = field_validator("url")(classmethod(lambda cls, v: _no_password(
        v, "set $REGWATCH_DATABASE_URL (or use ~/.pgpass) instead")))


class CrawlConfig(_Model):
    user_agent: str = "regwatch/0.1 (+https://github.com/regwatch/regwatch; regulatory change monitor)"
    contact: str = ""
    delay: Annotated[float, Field(ge=0)] = 2.0
    timeout: Annotated[float, Field(gt=0)] = 60.0
    retries: Annotated[int, Field(ge=0, le=10)] = 2
    max_size_mb: Annotated[int, Field(gt=0)] = 64
    obey_robots: bool = True
    concurrency_per_host: Annotated[int, Field(ge=1, le=16)] = 1  # requests in flight to one host (politeness: 1)
    # a document whose catalogue/feed entry carries an unchanged change stamp is re-requested only on its re-check
    # day, once every `recheck_days` days (spread evenly by a hash of its key); 1 = every document, every cycle
    recheck_days: Annotated[int, Field(ge=1, le=90)] = 7


class ScheduleConfig(_Model):
    """`regwatch schedule`: when the cycle runs, and how one scheduler at a time is ensured."""

    cron: str = "0 6 * * *"  # minute hour day-of-month month day-of-week
    timezone: str = "UTC"
    lease_seconds: Annotated[int, Field(ge=3, le=3600)] = 300  # a silent scheduler's lease expires after this
    stop_grace_seconds: Annotated[float, Field(ge=0)] = 60.0  # on SIGTERM: time the running cycle gets to finish
    max_run_minutes: Annotated[int, Field(ge=1)] = 360  # a cycle still running after this is stopped
    catch_up: bool = True  # at start, run once if the last scheduled run was missed

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        try:
            crontab_trigger(value, "UTC")
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid 5-field cron expression ({exc})") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone name (e.g. UTC, Asia/Tokyo)") from None
        return value


class WebConfig(_Model):
    """`regwatch serve`: the history web view. Bound to loopback unless told otherwise."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(gt=0, lt=65536)] = 8080
    token_env: str = "REGWATCH_WEB_TOKEN"  # the variable holding the access token required off loopback
    page_size: Annotated[int, Field(ge=1, le=1000)] = 50

    _secret_env = field_validator("token_env")(classmethod(lambda cls, v: _env_name(v)))


class DistributedConfig(_Model):
    """`regwatch run --distributed` and `regwatch worker`: the shared crawl queue on Redis. Keep that Redis private
    and password-protected (its queue holds pickles); `$REGWATCH_REDIS_URL` overrides `redis_url`."""

    enabled: bool = False  # `regwatch run` (and so `regwatch schedule`) crawls distributed, as with --distributed
    redis_url: str = "redis://127.0.0.1:6379/0"
    prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]+$")] = "regwatch"  # every key starts with it
    poll_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0  # how often idle workers look for work
    heartbeat_seconds: Annotated[float, Field(gt=0, le=600)] = 10.0  # a silent worker is dead after 3 of these
    concurrency: Annotated[int, Field(ge=1, le=64)] = 2  # requests a worker holds at once, per agency
    max_requeues: Annotated[int, Field(ge=0, le=10)] = 2  # a request lost with its worker is re-queued this often
    worker_timeout_seconds: Annotated[float, Field(gt=0)] = 900.0  # work pending and no worker alive this long: give up

    _url_without_password = field_validator("redis_url")(classmethod(lambda cls, v: _no_password(
        v, "set $REGWATCH_REDIS_URL instead")))


class TermNames(_Model):
    """One term's names in each language (variants and abbreviations included): `regwatch terms`, /terms."""

    en: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = ()
    ja: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = ()
    ko: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = ()
    zh: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = ()
    topic: str | None = None  # the topic glossary entry this term belongs to, if any

    @model_validator(mode="after")
    def _has_names(self) -> TermNames:
        if not (self.en or self.ja or self.ko or self.zh):
            raise ValueError("needs at least one name (en, ja, ko or zh)")
        return self


class Config(_Model):
    store: StoreConfig = StoreConfig()
    crawl: CrawlConfig = CrawlConfig()
    network: NetworkConfig = NetworkConfig()
    topics: dict[str, tuple[str, ...]] = {}  # topic → terms in any language, added to the built-in glossary
    terms: dict[Annotated[str, Field(min_length=1, max_length=100)], TermNames] = {}  # {} = the built-in terms
    sources: tuple[SourceConfig, ...] = ()
    alerts: AlertsConfig = AlertsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    web: WebConfig = WebConfig()
    distributed: DistributedConfig = DistributedConfig()
    path: Path | None = None

    @model_validator(mode="after")
    def _unique_sources(self) -> Config:
        _check_unique([s.name for s in self.sources], "sources")
        names = {s.name for s in self.sources}
        for i, sub in enumerate(self.alerts.subscriptions):
            unknown = [n for n in sub.sources if n not in names]
            if unknown:
                raise ValueError(f"alerts.subscriptions[{i}].sources: unknown source {unknown[0]!r}")
        return self

    def source(self, name: str) -> SourceConfig:
        for src in self.sources:
            if src.name == name:
                return src
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"unknown source {name!r} (configured: {known})")


def default_config_path() -> Path:
    return Path(os.environ.get("REGWATCH_CONFIG", "config.yaml"))


MAX_CONFIG_BYTES = 1024 * 1024  # a configuration is a few KB; anything near this is not one
MAX_DEPTH = 50  # nesting of mappings and lists (the schema needs 5)
MAX_ALIASES = 100  # `*alias` uses (expanding them must not multiply the work)
MAX_INT_DIGITS = 18


class _Refused(Exception):
    """The YAML reader refused the file (too deep, a duplicate key, a huge number…): why, and where."""

    def __init__(self, why: str, mark: yaml.Mark | None) -> None:
        super().__init__(why)
        self.why = why
        self.line = mark.line + 1 if mark is not None else None


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits: nesting depth, alias uses, integer size, and no duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(f"more than {MAX_ALIASES} aliases (*name)", self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise _Refused(f"duplicate key {key_node.value!r}", key_node.start_mark)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise _Refused(f"a number of {digits} digits is too large", node.start_mark)
        return super().construct_yaml_int(node)  # type: ignore[no-any-return]


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)


def _read_text(path: Path) -> str:
    """The file's text, if it is a regular file (after symlinks) of at most MAX_CONFIG_BYTES: never blocks on a
    FIFO, never reads a device such as /dev/zero."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode) else \
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "a special file"
            raise ConfigError(f"config file {path} is {kind}, not a regular file")
        data = os.read(fd, MAX_CONFIG_BYTES + 1) if info.st_size <= MAX_CONFIG_BYTES else b"x" * (MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KB; not a configuration")
    return data.decode("utf-8")


def load_config(path: Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Read, validate and return the configuration; `REGWATCH_DATABASE_URL` overrides `store.url`.

    Whatever the file holds, this returns or raises ConfigError (one line) quickly: size, depth, alias and number
    limits, regular files only, duplicate keys refused."""
    env = dict(os.environ) if env is None else env
    path = path or default_config_path()
    try:
        text = _read_text(path)
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 — a SafeLoader with limits
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except _Refused as exc:
        raise ConfigError(f"{path}" + (f" line {exc.line}" if exc.line else "") + f": {exc.why}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {_one_line(exc)}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {_one_line(exc)}") from None
    except (RecursionError, MemoryError, ValueError) as exc:  # belt and braces: never a traceback
        raise ConfigError(f"{path}: cannot be read as a configuration ({type(exc).__name__})") from None
    return parse_config(raw if raw is not None else {}, path=path, env=env)


def parse_config(raw: Any, *, path: Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Validate an already-parsed mapping (used by `load_config` and by tests)."""
    where = f"{path}: " if path else ""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}the top level must be a mapping of keys")
    try:
        config = Config.model_validate({**raw, "path": path})
    except ValidationError as exc:
        raise ConfigError(where + _describe(exc, raw)) from None
    override = (env or {}).get("REGWATCH_DATABASE_URL")
    if override:
        config = config.model_copy(update={"store": config.store.model_copy(update={"url": override})})
    return config


def _describe(exc: ValidationError, raw: dict[str, Any]) -> str:
    """The first validation problem as one line: the dotted key (with source/channel names) and why."""
    err = exc.errors()[0]
    key = _dotted(err["loc"], raw)
    extra = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    if err["type"] == "extra_forbidden":
        return f"{key}: unknown key (check the spelling){extra}"
    if err["type"] == "missing":
        return f"{key}: required key is missing{extra}"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{key}: {msg}{extra}"


def _dotted(loc: tuple[Any, ...], raw: Any) -> str:
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            name = node[item].get("name") if isinstance(node, list) and item < len(node) and isinstance(
                node[item], dict) else None
            parts.append(f"[{item}]" + (f"({name})" if name else ""))
            node = node[item] if isinstance(node, list) and item < len(node) else None
        elif item in ("email", "webhook", "apprise") and parts and parts[-1].startswith("["):
            continue  # pydantic's discriminator tag, not a user key
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts).replace("from_", "from")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
