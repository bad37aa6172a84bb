"""Normalisation of the identifiers and names of an uploaded list (名单比对).

- every text: NFKC (full-width → half-width letters, digits, brackets), spaces and invisible characters removed;
- 公民身份号码: 15-digit numbers (GB 11643-1989) upgraded to 18 digits (century 19, check digit computed),
  lower-case x → X, the check digit validated (foundation/checkdigits);
- 统一社会信用代码: upper-case, the GB 32100 check character validated;
- unit names: the core name without region prefixes (北京市/北京/(北京)), legal-form suffixes (股份有限公司,
  有限责任公司, 有限公司, 分公司 …) and brackets, for name-based matching; its pinyin (pypinyin) catches homophones.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from foundation.checkdigits import credit_code_ok, id_check_char, id_number_ok

_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u3000]+")


def clean(value: object) -> str:
    """NFKC (full-width → half-width) and no whitespace at all."""
    if value is None:
        return ""
    s = unicodedata.normalize("NFKC", str(value))
    return _INVISIBLE.sub("", s)


@dataclass(frozen=True)
class IdResult:
    value: str          # the normalised 18-digit number ('' when nothing usable)
    valid: bool         # check digit (and birth date) valid
    upgraded: bool      # was a 15-digit number
    problem: str        # '' or why it is not valid (Chinese)


def _birth_ok(id18: str) -> bool:
    try:
        d = date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= d <= date.today()


_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?E[+]?[0-9]+")


def normalise_id(raw: object) -> IdResult:
    s = clean(raw).upper()
    if s.endswith(".0") and s[:-2].isdigit():          # a number cell that Excel stored as float
        s = s[:-2]
    if not s:
        return IdResult("", False, False, "空")
    if _SCIENTIFIC.fullmatch(s):
        return IdResult(s, False, False, "以数值格式保存, 已成科学计数法、末几位已丢失(Excel 只保留 15 位有效数字): "
                                         "请将该列设为文本格式后重新录入")
    if len(s) == 15 and s.isdigit():
        first17 = s[:6] + "19" + s[6:]
        s18 = first17 + id_check_char(first17)
        if not _birth_ok(s18):
            return IdResult(s18, False, True, "15位号码出生日期无效")
        return IdResult(s18, True, True, "")
    if len(s) != 18 or not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return IdResult(s, False, False, f"长度或字符不符({len(s)}位)")
    if not id_number_ok(s):
        return IdResult(s, False, False, "校验位错误")
    if not _birth_ok(s):
        return IdResult(s, False, False, "出生日期无效")
    return IdResult(s, True, False, "")


def id_birth_date(id18: str) -> date | None:
    """The birth date written in an 18-digit number (also when its check digit is wrong)."""
    if len(id18) < 14 or not id18[:14].isdigit():
        return None
    try:
        return date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def normalise_credit(raw: object) -> tuple[str, bool]:
    s = clean(raw).upper()
    return s, bool(s) and credit_code_ok(s)


def normalise_person_name(raw: object) -> str:
    s = clean(raw)
    return s.replace("·", "·").replace("•", "·").replace(".", "·")


_PREFIXES = ("北京市", "北京")
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "责任公司", "集团公司", "分公司", "总公司", "公司", "集团",
             "分店", "分行", "支行", "门市部", "营业部", "经营部", "分部", "办事处", "合伙企业", "事务所", "中心", "厂", "店")
_BRACKETED = re.compile(r"\((北京|北京市|中国)\)")
_BRACKETS = re.compile(r"[()\[\]【】<>《》\"'“”‘’]")


@lru_cache(maxsize=500_000)
def unit_core(raw: object) -> str:
    """The core of a unit name: 北京某某科技有限公司 / (北京)某某科技有限责任公司 / 某某科技分公司 → 某某科技."""
    s = _BRACKETED.sub("", clean(raw))
    s = _BRACKETS.sub("", s)
    changed = True
    while changed and s:
        changed = False
        if s.startswith(_PREFIXES):          # one C call for the common case of none (then each in turn, as before)
            for p in _PREFIXES:
                if s.startswith(p) and len(s) > len(p) + 1:
                    s, changed = s[len(p):], True
        if s.endswith(_SUFFIXES):
            for suf in _SUFFIXES:
                if s.endswith(suf) and len(s) > len(suf) + 1:
                    s, changed = s[: -len(suf)], True
                    break
        if s.endswith("北京市") or s.endswith("北京"):          # 某某科技北京分公司
            s2 = s.removesuffix("北京市").removesuffix("北京")
            if len(s2) > 1:
                s, changed = s2, True
    return s


@lru_cache(maxsize=1)
def _char_pinyin() -> dict[str, str]:
    """Character → toneless pinyin of its first reading (pypinyin's character dictionary; ü as v)."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = {}
    for cp, readings in pinyin_dict.items():
        first = readings.split(",", 1)[0]
        plain = "".join(ch for ch in unicodedata.normalize("NFD", first) if not unicodedata.combining(ch))
        out[chr(cp)] = plain.replace("u\u0308", "v").replace("ü", "v")
    return out


@lru_cache(maxsize=1)
def _translations() -> tuple[dict[int, str], dict[int, None]]:
    """str.translate tables: character → " " + its pinyin; character → nothing (what is left has no reading)."""
    table = _char_pinyin()
    return {ord(ch): " " + py for ch, py in table.items()}, dict.fromkeys(map(ord, table))


@lru_cache(maxsize=500_000)
def pinyin(text: str) -> str:
    """Toneless pinyin, syllables joined by spaces (homophone typos 张三/章三 give the same string). Character by
    character — names are not phrases, and this is ~1000× faster than phrase segmentation. A character without a
    reading stays as it is."""
    table = _char_pinyin()
    return " ".join(map(table.get, text, text))       # table.get(ch, ch) for each character, looped in C


def pinyin_many(texts: list[str]) -> list[str]:
    """[pinyin(t) for t in texts], not cached (the candidates of a birth date: 10⁶ names a list, each seen once — a
    cache only costs there). Names whose every character has a reading are translated in C."""
    to_pinyin, known = _translations()
    table = _char_pinyin()
    return [" ".join(map(table.get, t, t)) if t.translate(known) or not t else t.translate(to_pinyin)[1:]
            for t in texts]


def parse_date(raw: object) -> date | None:
    """19800512, 1980-05-12, 1980/5/12, 1980年5月12日, an Excel date cell."""
    if raw is None or raw == "":
        return None
    if hasattr(raw, "year") and hasattr(raw, "month") and hasattr(raw, "day"):
        return date(raw.year, raw.month, raw.day)
    s = clean(raw)
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s) or re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
