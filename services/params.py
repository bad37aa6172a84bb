"""Parameter validation of the catalogue services: every value checked against its declared type and limits;
a problem is a ParamError naming the parameter and the rule (the application answers 422 with it, never 500)."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import access
from foundation import checkdigits

from .catalogue import Parameter, Service


class ParamError(ValueError):
    def __init__(self, parameter: str, rule: str, message: str):
        self.parameter, self.rule, self.message = parameter, rule, message
        super().__init__(f"{parameter}: {message} ({rule})")

    def as_dict(self) -> dict:
        return {"parameter": self.parameter, "rule": self.rule, "message": self.message}


def _half_width(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip().replace(" ", "")


def normalise_id_number(value: str) -> str:
    """Full-width → half-width, spaces removed, lower-case x → X, 15-digit (old) IDs → 18 digits."""
    v = _half_width(value).upper()
    if re.fullmatch(r"\d{15}", v):
        first17 = v[:6] + "19" + v[6:]
        v = first17 + checkdigits.id_check_char(first17)
    return v


def _id_number(p: Parameter, value) -> str:
    if not isinstance(value, str):
        raise ParamError(p.name, "type", "应为字符串形式的公民身份号码")
    v = normalise_id_number(value)
    if not re.fullmatch(r"\d{17}[\dX]", v):
        raise ParamError(p.name, "id_number.format", "公民身份号码应为18位(前17位数字, 末位数字或X)或15位数字")
    if not checkdigits.id_number_ok(v):
        raise ParamError(p.name, "id_number.check_digit", "公民身份号码校验位不正确")
    try:
        dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ParamError(p.name, "id_number.birth_date", "公民身份号码中的出生日期不存在") from None
    return v


def _credit_code(p: Parameter, value) -> str:
    if not isinstance(value, str):
        raise ParamError(p.name, "type", "应为字符串形式的统一社会信用代码")
    v = _half_width(value).upper()
    if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", v):
        raise ParamError(p.name, "credit_code.format", "统一社会信用代码应为18位(GB 32100 字符集)")
    if not checkdigits.credit_code_ok(v):
        raise ParamError(p.name, "credit_code.check_digit", "统一社会信用代码校验位不正确")
    return v


def _text(p: Parameter, value) -> str:
    if not isinstance(value, str):
        raise ParamError(p.name, "type", "应为字符串")
    v = unicodedata.normalize("NFKC", value).strip()
    if len(v) < p.min_length:
        raise ParamError(p.name, "text.min_length", f"至少 {p.min_length} 个字符")
    if len(v) > p.max_length:
        raise ParamError(p.name, "text.max_length", f"至多 {p.max_length} 个字符")
    if any(unicodedata.category(c) == "Cc" for c in v):
        raise ParamError(p.name, "text.control_character", "不能包含控制字符")
    return v


def _month(p: Parameter, value) -> dt.date:
    v = str(value).strip().replace("-", "")
    if not re.fullmatch(r"\d{6}", v) or not 1 <= int(v[4:]) <= 12 or not 1900 <= int(v[:4]) <= 2100:
        raise ParamError(p.name, "month.format", "月份应为 YYYYMM(如 202412)")
    return dt.date(int(v[:4]), int(v[4:]), 1)


def _int(p: Parameter, value) -> int:
    if isinstance(value, bool):
        raise ParamError(p.name, "type", "应为整数")
    try:
        v = int(str(value).strip())
    except ValueError:
        raise ParamError(p.name, "int.format", "应为整数") from None
    if p.min is not None and v < p.min:
        raise ParamError(p.name, "int.min", f"不能小于 {p.min}")
    if p.max is not None and v > p.max:
        raise ParamError(p.name, "int.max", f"不能大于 {p.max}")
    return v


def _district(p: Parameter, value) -> str:
    v = str(value).strip()
    if v not in access.districts():
        raise ParamError(p.name, "district.code", "区县代码应为北京市的6位行政区划代码(如 110105)")
    return v


def _industry(p: Parameter, value) -> str:
    v = _half_width(str(value)).upper()
    if not re.fullmatch(r"[A-T]", v):
        raise ParamError(p.name, "industry.section", "行业代码应为 GB/T 4754 门类字母 A–T")
    return v


def _pattern(rule: str, regex: str, message: str):
    def check(p: Parameter, value) -> str:
        v = _half_width(str(value))
        if not re.fullmatch(regex, v):
            raise ParamError(p.name, rule, message)
        return v
    return check


SCALARS = {
    "id_number": _id_number, "credit_code": _credit_code, "text": _text, "month": _month, "int": _int,
    "year": _int, "district": _district, "industry": _industry,
    "household_no": _pattern("household_no.format", r"[0-9A-Za-z]{6,20}", "户号应为6–20位字母或数字"),
    "unit_id": _pattern("unit_id.format", r"[0-9A-Za-z]{4,20}", "单位编号应为4–20位字母或数字"),
}
LISTS = {"id_numbers": "id_number", "credit_codes": "credit_code", "texts": "text"}


def _one(p: Parameter, value):
    if p.type in LISTS:
        if isinstance(value, str):
            value = [v for v in re.split(r"[,，;\s]+", value) if v]
        if not isinstance(value, list) or not value:
            raise ParamError(p.name, "list", "应为非空列表(或以逗号分隔)")
        if len(value) > p.max_items:
            raise ParamError(p.name, "list.max_items", f"至多 {p.max_items} 项")
        scalar = SCALARS[LISTS[p.type]]
        out = []
        for i, v in enumerate(value):
            try:
                out.append(scalar(p, v))
            except ParamError as e:
                raise ParamError(f"{p.name}[{i}]", e.rule, e.message) from None
        return list(dict.fromkeys(out))
    if p.type == "year":
        p = p.model_copy(update={"min": p.min or 1990, "max": p.max or 2100})
    return SCALARS[p.type](p, value)


def validate(service: Service, raw: dict) -> dict:
    """The checked parameters (+ paging) of one call; ParamError on the first problem."""
    declared = {p.name for p in service.parameters} | ({"page", "page_size"} if service.limits.page_size else set())
    unknown = sorted(set(raw) - declared)
    if unknown:
        raise ParamError(unknown[0], "unknown_parameter",
                         f"本服务没有此参数；可用参数: {', '.join(sorted(declared)) or '(无)'}")
    out: dict = {}
    for p in service.parameters:
        value = raw.get(p.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if p.required:
                raise ParamError(p.name, "required", f"必填参数({p.label})")
            out[p.name] = _one(p, p.default) if p.default is not None else None
            continue
        out[p.name] = _one(p, value)
    if service.limits.page_size:
        out["page"] = _int(Parameter(name="page", label="页码", type="int", min=1, max=100_000), raw.get("page", 1))
        out["page_size"] = _int(Parameter(name="page_size", label="每页条数", type="int", min=1,
                                          max=service.limits.page_size), raw.get("page_size", service.limits.page_size))
    return out


def identifiers_of(service: Service, values: dict) -> list[str]:
    """The ID numbers / credit codes a call asks about (hashed into the audit log, counted by the alerts)."""
    out: list[str] = []
    for p in service.parameters:
        v = values.get(p.name)
        if v is None:
            continue
        if p.type in ("id_number", "credit_code"):
            out.append(v)
        elif p.type in ("id_numbers", "credit_codes"):
            out.extend(v)
    return out
