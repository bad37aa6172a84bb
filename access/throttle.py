"""Login throttling shared by every web front end (Superset now, the portal later).

Failed logins are counted per user name and per client address in a small SQLite file (0600) that every
worker process of a server shares, so four gunicorn workers do not mean four times the attempts:

    throttle = LoginThrottle(path)
    wait = throttle.blocked(username, client)     # seconds to wait, 0 = may try
    ... check the password ...
    throttle.failure(username, client)  or  throttle.success(username, client)

After `max_failures` failures of one user name within `window_s`, that name is locked for `lockout_s`
(whatever the address); after `max_client_failures` failures from one address (any names), the address
is. A success clears the name's failures. Standard library only (runs in Superset's virtual environment).
"""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path


class LoginThrottle:
    def __init__(self, path: Path | str, *, max_failures: int = 5, max_client_failures: int = 20,
                 window_s: int = 900, lockout_s: int = 900) -> None:
        self.path = Path(path)
        self.max_failures, self.max_client_failures = max_failures, max_client_failures
        self.window_s, self.lockout_s = window_s, lockout_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(self.path, 0o600)
        with self._db() as db:
            db.execute("create table if not exists failure (kind text not null, subject text not null, "
                       "at real not null)")
            db.execute("create index if not exists failure_subject on failure (kind, subject, at)")

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("pragma journal_mode=wal")
        return db

    @staticmethod
    def _norm(username: str | None) -> str:
        return (username or "").strip().lower()[:150]

    def _wait(self, db, kind: str, subject: str, limit: int, now: float) -> int:
        recent = [r[0] for r in db.execute("select at from failure where kind = ? and subject = ? and at > ?",
                                           (kind, subject, now - self.window_s))]
        if len(recent) >= limit:
            return max(0, int(max(recent) + self.lockout_s - now) + 1)
        return 0

    def blocked(self, username: str | None, client: str | None) -> int:
        """Seconds this name / address must wait before the next attempt; 0 = it may try now."""
        now = time.time()
        with self._db() as db:
            return max(self._wait(db, "user", self._norm(username), self.max_failures, now),
                       self._wait(db, "client", client or "", self.max_client_failures, now))

    def failure(self, username: str | None, client: str | None) -> None:
        now = time.time()
        with self._db() as db:
            db.execute("insert into failure values ('user', ?, ?), ('client', ?, ?)",
                       (self._norm(username), now, client or "", now))
            db.execute("delete from failure where at < ?", (now - 2 * (self.window_s + self.lockout_s),))

    def success(self, username: str | None, client: str | None) -> None:
        with self._db() as db:
            db.execute("delete from failure where kind = 'user' and subject = ?", (self._norm(username),))

    def forget(self, username: str | None = None, client: str | None = None) -> None:
        """Unlock a name and/or an address (an administrator's action; tests)."""
        with self._db() as db:
            if username is not None:
                db.execute("delete from failure where kind = 'user' and subject = ?", (self._norm(username),))
            if client is not None:
                db.execute("delete from failure where kind = 'client' and subject = ?", (client,))
