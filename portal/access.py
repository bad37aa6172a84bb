"""Roles, demo users, passwords, sessions and login throttling of the portal. The districts come from the
system-wide access model (access/model.yaml) and login throttling is the one every web front end shares
(access/throttle.py: failures per name and per address, in var/portal/login_throttle.db).

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
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import access as access_model
from access.throttle import LoginThrottle
from foundation import settings, signoff

ROLES = {
    "admin": {"label": "系统管理员", "import": True, "all_regions": True},
    "data_admin": {"label": "数据管理员", "import": True, "all_regions": True},
    "analyst": {"label": "分析人员", "import": False, "all_regions": True},
    "leadership": {"label": "领导", "import": False, "all_regions": True},
    "district": {"label": "区县用户", "import": False, "all_regions": False},
    "department": {"label": "业务处室", "import": False, "all_regions": True},   # 审核确认 of its modules
}
SESSION_SECONDS = 8 * 3600


def secrets_dir() -> Path:
    return settings.private_dir(settings.SECRETS)


@lru_cache(maxsize=1)
def throttle() -> LoginThrottle:
    """5 failed logins of one name (20 of one address) within 15 minutes lock it for 15 minutes."""
    return LoginThrottle(settings.private_dir(settings.VAR / "portal") / "login_throttle.db")


def demo_users() -> dict[str, dict]:
    users = {
        "admin": {"role": "admin", "district": None, "name": "系统管理员"},
        "data_admin": {"role": "data_admin", "district": None, "name": "数据管理员"},
        "analyst": {"role": "analyst", "district": None, "name": "分析人员"},
        "leader": {"role": "leadership", "district": None, "name": "局领导"},
    }
    for code, name in access_model.districts().items():
        users[f"district_{code}"] = {"role": "district", "district": code, "name": f"{name}用户"}
    for d in signoff.DEPARTMENTS:      # one account per business department: confirms its modules (审核确认)
        users[f"dept_{d.code}"] = {"role": "department", "district": None, "name": d.name, "department": d.code}
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
        settings.write_private(plain_path, json.dumps(plain, ensure_ascii=False, indent=1))
        settings.write_private(hash_path, json.dumps(hashes, indent=1))
        log(f"[portal] 演示用户密码已生成: {plain_path}")
    return plain_path


@dataclass(frozen=True)
class User:
    username: str
    role: str
    district: str | None
    name: str
    department: str | None = None       # the business department (处室) of a department account

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
    return None if u is None else User(username, u["role"], u["district"], u["name"], u.get("department"))


def check_password(username: str, password: str) -> bool:
    hashes_path = secrets_dir() / "portal_users.hashes.json"
    hashes = json.loads(hashes_path.read_text()) if hashes_path.exists() else {}
    h = hashes.get(username)
    if h is None:
        _hash(password, b"x" * 16)          # same cost for unknown names
        return False
    return hmac.compare_digest(_hash(password, base64.b64decode(h["salt"])), h["hash"])


def _key() -> bytes:
    p = secrets_dir() / "portal_session_key"
    if not p.exists():
        settings.write_private(p, secrets.token_hex(32))
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
