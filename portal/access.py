"""Roles, demo users, passwords, sessions and login throttling of the portal — the ONE place they are defined
for the portal (until the system-wide access model lands on main; then this file reads it instead).

Roles: admin 系统管理员, data_admin 数据管理员 (imports, assisted entry), analyst 分析人员, leadership 领导,
district 区县用户 (sees its own district only). Demo users (one per role, one per district) get random passwords
generated on first use into var/secrets/portal_users.json (0600; only the scrypt hashes are kept in
var/secrets/portal_users.hashes.json next to it). Sessions are HMAC-signed cookies with an 8-hour lifetime,
key in var/secrets/portal_session_key.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from history import store

ROLES = {
    "admin": {"label": "系统管理员", "import": True, "all_regions": True},
    "data_admin": {"label": "数据管理员", "import": True, "all_regions": True},
    "analyst": {"label": "分析人员", "import": False, "all_regions": True},
    "leadership": {"label": "领导", "import": False, "all_regions": True},
    "district": {"label": "区县用户", "import": False, "all_regions": False},
}
SESSION_SECONDS = 8 * 3600
MAX_FAILURES = 5              # failed logins per user name …
FAILURE_WINDOW_MIN = 15       # … within this many minutes lock the name for the rest of the window


def secrets_dir() -> Path:
    from foundation import settings

    d = settings.SECRETS
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    path.chmod(0o600)


def demo_users() -> dict[str, dict]:
    cat = store.catalogue()
    users = {
        "admin": {"role": "admin", "district": None, "name": "系统管理员"},
        "data_admin": {"role": "data_admin", "district": None, "name": "数据管理员"},
        "analyst": {"role": "analyst", "district": None, "name": "分析人员"},
        "leader": {"role": "leadership", "district": None, "name": "局领导"},
    }
    for r in cat.regions:
        if r["level"] == "district":
            users[f"district_{r['code']}"] = {"role": "district", "district": r["code"], "name": f"{r['name_zh']}用户"}
    return users


def _hash(password: str, salt: bytes) -> str:
    return base64.b64encode(hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1)).decode()


def ensure_users(log=print) -> Path:
    """Generate passwords for demo users that have none yet (existing ones are kept)."""
    d = secrets_dir()
    plain_path, hash_path = d / "portal_users.json", d / "portal_users.hashes.json"
    plain = json.loads(plain_path.read_text()) if plain_path.exists() else {}
    hashes = json.loads(hash_path.read_text()) if hash_path.exists() else {}
    changed = False
    for name in demo_users():
        if name not in hashes:
            pw = plain.get(name) or secrets.token_urlsafe(12)
            salt = secrets.token_bytes(16)
            plain[name] = pw
            hashes[name] = {"salt": base64.b64encode(salt).decode(), "hash": _hash(pw, salt)}
            changed = True
    if changed or not plain_path.exists():
        _write_secret(plain_path, json.dumps(plain, ensure_ascii=False, indent=1))
        _write_secret(hash_path, json.dumps(hashes, indent=1))
        log(f"[portal] 演示用户密码已生成: {plain_path}")
    return plain_path


@dataclass(frozen=True)
class User:
    username: str
    role: str
    district: str | None
    name: str

    @property
    def role_label(self) -> str:
        return ROLES[self.role]["label"]

    @property
    def can_import(self) -> bool:
        return bool(ROLES[self.role]["import"])

    def allowed_regions(self) -> set[str] | None:
        """None = every region; a district user only its own district."""
        return None if ROLES[self.role]["all_regions"] else {self.district}


def get_user(username: str) -> User | None:
    u = demo_users().get(username)
    return None if u is None else User(username, u["role"], u["district"], u["name"])


def check_password(username: str, password: str) -> bool:
    hashes_path = secrets_dir() / "portal_users.hashes.json"
    hashes = json.loads(hashes_path.read_text()) if hashes_path.exists() else {}
    h = hashes.get(username)
    if h is None:
        _hash(password, b"x" * 16)          # same cost for unknown names
        return False
    return hmac.compare_digest(_hash(password, base64.b64decode(h["salt"])), h["hash"])


def throttled(conn, username: str) -> int:
    """Minutes to wait when the name had MAX_FAILURES failed logins within the window (0 = may try)."""
    row = conn.execute(
        f"""select count(*), min(at) from (select at from {store.SCHEMA}.login_attempt
            where username = %s and not ok and at > now() - make_interval(mins => %s)
            and at > coalesce((select max(at) from {store.SCHEMA}.login_attempt where username = %s and ok), '-infinity')
            order by at desc limit %s) f""",
        (username, FAILURE_WINDOW_MIN, username, MAX_FAILURES)).fetchone()
    if row[0] < MAX_FAILURES:
        return 0
    wait = conn.execute("select ceil(extract(epoch from (%s + make_interval(mins => %s) - now())) / 60)",
                        (row[1], FAILURE_WINDOW_MIN)).fetchone()[0]
    return max(1, int(wait))


def record_attempt(conn, username: str, client: str, ok: bool) -> None:
    conn.execute(f"insert into {store.SCHEMA}.login_attempt (username, client, ok) values (%s,%s,%s)",
                 (username[:100], client[:100], ok))


def _key() -> bytes:
    p = secrets_dir() / "portal_session_key"
    if not p.exists():
        _write_secret(p, secrets.token_hex(32))
    return bytes.fromhex(p.read_text().strip())


def make_session(username: str) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"u": username, "exp": int(time.time()) + SESSION_SECONDS}).encode()).decode()
    sig = hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{sig}"


def read_session(cookie: str | None) -> User | None:
    if not cookie or "." not in cookie:
        return None
    body, sig = cookie.rsplit(".", 1)
    if not hmac.compare_digest(hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest(), sig):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    if data.get("exp", 0) < time.time():
        return None
    return get_user(data.get("u", ""))
