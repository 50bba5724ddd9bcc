"""Named leases: one holder at a time per name, until it releases the lease or lets it expire (the scheduler holds
one per database, so a second scheduler stands by). Each call is one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from regwatch.store.models import Lease


def acquire_lease(sessions: sessionmaker[Session], name: str, holder: str, now: datetime, ttl: float) -> bool:
    """Take or renew the lease in one transaction: ours already, free, or expired. True if we hold it now."""
    until = now + timedelta(seconds=ttl)
    with sessions.begin() as session:
        taken = session.execute(update(Lease).where(Lease.name == name)
                                .where((Lease.holder == holder) | (Lease.expires_at < now))
                                .values(holder=holder, expires_at=until))
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
        if session.get(Lease, name) is not None:
            return False
        try:
            with session.begin_nested():
                session.add(Lease(name=name, holder=holder, expires_at=until))
        except IntegrityError:  # another process inserted it first
            return False
    return True


def renew_lease(sessions: sessionmaker[Session], name: str, holder: str, now: datetime, ttl: float) -> bool:
    """Extend our lease; False when it is no longer ours (it expired and someone else took it)."""
    with sessions.begin() as session:
        done = session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                               .values(expires_at=now + timedelta(seconds=ttl)))
        return done.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def release_lease(sessions: sessionmaker[Session], name: str, holder: str) -> None:
    """Give the lease up; releasing a lease someone else holds does nothing."""
    with sessions.begin() as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def lease_holder(sessions: sessionmaker[Session], name: str) -> tuple[str, datetime] | None:
    """Who holds the lease and until when; None when nobody does."""
    with sessions() as session:
        row = session.get(Lease, name)
        return (row.holder, row.expires_at) if row else None
