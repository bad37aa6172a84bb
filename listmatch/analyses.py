"""自助分析: the recurring request patterns as declarative, parameterised analyses with XLSX output.

One `Analysis` per pattern: its parameters (typed, validated, with Chinese labels and defaults), the SQL (bound
parameters only, never text pasted into SQL), the Chinese column labels and whether it needs an uploaded list.
Every run is recorded in listmatch.job (parameters, output SHA-256) and in the services' audit log. A district
user's runs are cut to its own district whatever districts it asks for.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import time
from dataclasses import dataclass, field
from datetime import date

from listmatch import store


class ParamError(ValueError):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str                       # month | districts | int | int_list | choice | choices
    default: object = None
    choices: tuple[tuple[str, str], ...] = ()
    minimum: int = 0
    maximum: int = 10_000_000

    def parse(self, raw, conn):  # noqa: C901 — one branch per kind
        if raw in (None, "", []):
            if self.default is None:
                raise ParamError(f"缺少参数“{self.label}”({self.name})")
            raw = self.default(conn) if callable(self.default) else self.default
        if self.kind == "month":
            s = str(raw).strip()
            if not re.fullmatch(r"\d{6}", s) or not 1 <= int(s[4:]) <= 12:
                raise ParamError(f"参数“{self.label}”应为 YYYYMM 月份, 收到 {s!r}")
            d = date(int(s[:4]), int(s[4:]), 1)
            avail = store.months(conn)
            if avail and not avail[0] <= d <= avail[-1]:
                raise ParamError(f"参数“{self.label}” {s} 不在数据范围内({avail[0]:%Y%m}–{avail[-1]:%Y%m})")
            return d
        if self.kind == "int":
            try:
                v = int(str(raw).strip())
            except ValueError:
                raise ParamError(f"参数“{self.label}”应为整数, 收到 {raw!r}") from None
            if not self.minimum <= v <= self.maximum:
                raise ParamError(f"参数“{self.label}”应在 {self.minimum}–{self.maximum} 之间, 收到 {v}")
            return v
        items = raw if isinstance(raw, list) else [x.strip() for x in str(raw).split(",") if x.strip()]
        if self.kind == "int_list":
            try:
                vals = sorted({int(x) for x in items})
            except ValueError:
                raise ParamError(f"参数“{self.label}”应为逗号分隔的整数, 收到 {raw!r}") from None
            if not vals or vals[0] < 1:
                raise ParamError(f"参数“{self.label}”应为正整数")
            return vals
        if self.kind == "districts":
            codes = store.district_codes(conn)
            bad = [x for x in items if x not in codes]
            if bad:
                raise ParamError(f"参数“{self.label}”中有未知的区: {', '.join(bad)}")
            return sorted({codes[x] for x in items})
        allowed = dict(self.choices)
        bad = [x for x in items if x not in allowed]
        if bad or not items:
            raise ParamError(f"参数“{self.label}”应取 {', '.join(f'{k}({v})' for k, v in self.choices)}, 收到 {raw!r}")
        return items[0] if self.kind == "choice" else items


def _all_districts(conn) -> list[str]:
    return [r[0] for r in conn.execute("select code from codes.code_district where is_current order by sort_order")]


def _latest(conn) -> str:
    return f"{store.latest_month(conn):%Y%m}"


def _first(conn) -> str:
    return f"{store.months(conn)[0]:%Y%m}"


GROUPS = (("district", "区"), ("hukou", "户籍性质"), ("gender", "性别"))
INSURANCES = (("110", "企业职工养老"), ("210", "失业"), ("410", "工伤"), ("510", "生育"))
INSURED_MODEL = {"110": "stg_pension__persons", "210": "stg_unemployment__insured_persons",
                 "410": "stg_injury__insured_persons", "510": "stg_maternity__insured_persons"}


@dataclass(frozen=True)
class Analysis:
    code: str
    title: str
    description: str
    params: tuple[Param, ...]
    build: object                   # (conn, values) → (sql, bound params, column labels)
    needs_list: bool = False
    person_level: bool = False      # output has identifiers (masked for roles without the right)
    notes: tuple[str, ...] = field(default=())


def _group_sql(groups: list[str]) -> tuple[list[str], list[str]]:
    exprs = {"district": "coalesce(d.name, s.district_code)", "hukou": "coalesce(h.name, '未知')",
             "gender": "coalesce(g.name, s.gender_code)"}
    return [exprs[g] for g in groups], [dict(GROUPS)[g] for g in groups]


def _retire(conn, v):
    exprs, labels = _group_sql(v["group_by"])
    sql = (f"select {', '.join(exprs)}, count(*) as n, "
           "round(avg(s.contribution_years_at_retirement), 1), "
           "sum(case when s.contribution_years_at_retirement < s.minimum_contribution_years - 5 then 1 else 0 end) "
           "from topic_near_retirement.topic_near_retirement__status s "
           "left join codes.code_district d on d.code = s.district_code "
           "left join codes.code_gender g on g.code = s.gender_code "
           "left join intermediate.int_identity__natural_person p on p.id_number = s.id_number "
           "left join codes.code_hukou_nature h on h.code = p.hukou_nature_code "
           "where s.months_to_retirement between 0 and %(within)s and not s.meets_minimum "
           "and s.district_code = any(%(districts)s) "
           f"group by {', '.join(exprs)} order by {', '.join(exprs)}")
    return sql, {"within": v["within_months"], "districts": v["districts"]}, [
        *labels, "人数", "平均缴费年限(到退休时)", "其中差距超过5年人数"]


def _bands(conn, v):
    b = v["bands"]
    edges = ", ".join(str(x) for x in b)
    label = ("case " + " ".join(f"when n < {hi} then '{lo}–{hi - 1}人'" for lo, hi in zip([0, *b], b))
             + f" else '{b[-1]}人及以上' end")
    sql = (f"with u as (select u.credit_code, u.district_code, count(distinct p.id_number) as n "
           "from staging.stg_pension__units u left join staging.stg_pension__persons p on p.unit_id = u.unit_id "
           "and p.month_start = u.month_start and p.insured_status_code in ('1', '2') "
           "where u.month_start = %(month)s and u.district_code = any(%(districts)s) group by 1, 2) "
           f"select coalesce(d.name, u.district_code), {label} as band, count(*), sum(n) from u "
           "left join codes.code_district d on d.code = u.district_code "
           f"group by 1, 2, width_bucket(n, array[{edges}]) order by 1, width_bucket(n, array[{edges}])")
    return sql, {"month": v["month"], "districts": v["districts"]}, ["区", "参保人数档次", "单位数", "参保人数合计"]


def _change(conn, v):
    # per district: a person counted in a district in one month and not in that district in the other is an
    # increase / a decrease of that district (a move between districts is a decrease here and an increase there)
    model = INSURED_MODEL[v["insurance"]]
    sql = (f"with a as (select distinct id_number, district_code from staging.{model} where month_start = %(m1)s "
           "and insured_status_code = '1' and district_code = any(%(districts)s)), "
           f"b as (select distinct id_number, district_code from staging.{model} where month_start = %(m2)s "
           "and insured_status_code = '1' and district_code = any(%(districts)s)), "
           "j as (select coalesce(a.district_code, b.district_code) as district_code, a.id_number is not null as in_a, "
           "b.id_number is not null as in_b from a full join b using (id_number, district_code)) "
           "select coalesce(d.name, j.district_code), sum(in_a::int), sum(in_b::int), "
           "sum((in_b and not in_a)::int), sum((in_a and not in_b)::int), sum(in_b::int) - sum(in_a::int) "
           "from j left join codes.code_district d on d.code = j.district_code "
           "group by j.district_code, d.name order by j.district_code")
    return sql, {"m1": v["month_from"], "m2": v["month_to"], "districts": v["districts"]}, [
        "区", "起始月正常缴费人数", "终止月正常缴费人数", "增加人数", "减少人数", "净增减"]


def _years(conn, v):
    sql = ("with s as (select p.id_number, p.birth_date, p.hukou_type_code, p.district_code, "
           "(extract(year from age(%(month)s::date, p.first_insured_date)) "
           " + extract(month from age(%(month)s::date, p.first_insured_date)) / 12.0) as years, "
           "extract(year from age(%(month)s::date, p.birth_date))::int as age "
           "from staging.stg_pension__persons p where p.month_start = %(month)s and p.insured_status_code in ('1', '2') "
           "and p.district_code = any(%(districts)s)) "
           "select case when age < 30 then '30岁以下' when age < 40 then '30–39岁' when age < 50 then '40–49岁' "
           "when age < 60 then '50–59岁' else '60岁及以上' end as age_band, coalesce(h.name, s.hukou_type_code), count(*), "
           "round(avg(years)::numeric, 1), sum(case when years < 5 then 1 else 0 end), "
           "sum(case when years >= 5 and years < 15 then 1 else 0 end), sum(case when years >= 15 and years < 25 then 1 else 0 end), "
           "sum(case when years >= 25 then 1 else 0 end) "
           "from s left join codes.code_hukou_type h on h.code = s.hukou_type_code group by 1, 2 order by 1, 2")
    return sql, {"month": v["month"], "districts": v["districts"]}, [
        "年龄段", "户籍类型", "人数", "平均缴费年限", "不足5年", "5–15年", "15–25年", "25年及以上"]


def _monthly(conn, v):
    # one row per (list row, month): status per insurance; the list's IDs are in temp table lm_ret
    parts = []
    for code, name in INSURANCES:
        model = INSURED_MODEL[code]
        parts.append(f"(select coalesce(c.name, x.insured_status_code) from staging.{model} x left join codes.code_insured_status c "
                     f"on c.code = x.insured_status_code where x.id_number = l.v and x.month_start = m.m limit 1)")
    parts.append("(select case when x.credit_amount > 0 then '正常缴费(个人账户划入)' else '有账户, 本月无划入' end "
                 "from staging.stg_medical_account__monthly_accounts x where x.id_number = l.v and x.month_start = m.m limit 1)")
    sql = (f"select l.v, to_char(m.m, 'YYYYMM'), {', '.join(parts)} from lm_ret l "
           "cross join generate_series(%(m1)s::date, %(m2)s::date, interval '1 month') m(m) order by l.v, m.m")
    return sql, {"m1": v["month_from"], "m2": v["month_to"]}, [
        "身份证号", "月份", *[n + "保险" for _, n in INSURANCES], "医疗保险"]


ANALYSES: dict[str, Analysis] = {a.code: a for a in (
    Analysis("retire_short_years", "达到退休年龄但缴费年限不足人员",
             "未来 N 个月内达到法定退休年龄(含渐进式延迟), 到退休时养老保险缴费年限仍低于最低缴费年限的人员, 按区、户籍性质、性别分组。"
             "口径: 临近一年退休人员专题库的口径计算(缴费年限按首次参保日期推算)。",
             (Param("within_months", "未来月数", "int", 12, minimum=0, maximum=120),
              Param("districts", "区(可多选)", "districts", _all_districts),
              Param("group_by", "分组", "choices", ["district", "hukou", "gender"], choices=GROUPS)), _retire),
    Analysis("unit_size_bands", "单位参保人数分档",
             "所选各区的单位按企业职工养老保险参保人数(正常缴费+暂停缴费)分档统计单位数和人数。",
             (Param("month", "月份", "month", _latest), Param("districts", "区(可多选)", "districts", _all_districts),
              Param("bands", "分档界限(人)", "int_list", [10, 50, 100, 500, 1000])), _bands),
    Analysis("insured_change", "参保人员增减变化",
             "两个月份之间某险种正常缴费人员的增加和减少(按人员身份证号比较), 按区统计; 跨区变动的人员在原区计减少、在新区计增加。",
             (Param("month_from", "起始月份", "month", _first), Param("month_to", "终止月份", "month", _latest),
              Param("insurance", "险种", "choice", "110", choices=INSURANCES),
              Param("districts", "区(可多选)", "districts", _all_districts)), _change),
    Analysis("list_monthly_status", "名单人员五险逐月缴费状态",
             "上传名单(姓名+身份证号), 按月列出每人养老、失业、工伤、生育、医疗五险的参保缴费状态。名单先按名单比对的规则匹配, 只列出确定匹配的人员。",
             (Param("month_from", "起始月份", "month", _first), Param("month_to", "终止月份", "month", _latest)), _monthly,
             needs_list=True, person_level=True),
    Analysis("contribution_years_by_age", "人群缴费年限(按年龄段和户籍)",
             "某月企业职工养老保险在册人员(正常缴费+暂停缴费)的缴费年限分布, 按年龄段和户籍类型。缴费年限按首次参保日期推算。",
             (Param("month", "月份", "month", _latest), Param("districts", "区(可多选)", "districts", _all_districts)),
             _years),
)}


def validate(conn, code: str, raw: dict, district: str | None = None) -> tuple[Analysis, dict]:
    a = ANALYSES.get(code)
    if a is None:
        raise ParamError(f"没有分析 {code!r}; 可选: {', '.join(ANALYSES)}")
    unknown = set(raw) - {p.name for p in a.params}
    if unknown:
        raise ParamError(f"分析“{a.title}”没有参数: {', '.join(sorted(unknown))}")
    values = {p.name: p.parse(raw.get(p.name), conn) for p in a.params}
    for lo, hi in (("month_from", "month_to"),):
        if lo in values and values[lo] > values[hi]:
            raise ParamError("起始月份不能晚于终止月份")
    if district is not None and "districts" in values:
        values["districts"] = [district]           # a district user sees its own district only
    return a, values


def run(conn, code: str, raw: dict, *, user: str, role: str, district: str | None = None,
        upload: tuple[str, bytes] | None = None) -> tuple[bytes, int]:
    from listmatch import engine, jobs, reader

    t0 = time.perf_counter()
    store.ensure_schema(conn)
    a, values = validate(conn, code, raw, district)
    shown = {k: (v.strftime("%Y%m") if isinstance(v, date) else v) for k, v in values.items()}
    sha = None
    ids: list[str] = []
    if a.needs_list:
        if upload is None:
            raise ParamError(f"分析“{a.title}”需要上传名单")
        sha = hashlib.sha256(upload[1]).hexdigest()
        lst = reader.read(*upload)
        if "person" not in lst.kinds:
            raise ParamError("名单需要“姓名”和“身份证号”列")
        ms = engine.match_persons(lst, store.DbReference(conn), store.district_codes(conn))
        ids = sorted({m.key for m in ms if m is not None and m.status == engine.CONFIRMED})
        store.DbReference(conn)._temp("lm_ret", "text", ids)
    sql, bind, labels = a.build(conn, values)
    rows = conn.execute(sql, bind).fetchall()
    names = {code: name for code, name in conn.execute("select code, name from codes.code_district")}
    out = _xlsx(a, shown, labels, rows, role, user, names)
    job_id = conn.execute(
        f"insert into {store.SCHEMA}.job (created_by, role, kind, name, input_sha256, settings, status, rows_in, "
        "output_sha256, finished_at) values (%s, %s, 'analysis', %s, %s, %s, 'done', %s, %s, now()) returning job_id",
        (user, role, code, sha, json.dumps(shown, ensure_ascii=False), len(rows), hashlib.sha256(out).hexdigest())).fetchone()[0]
    seq = jobs._audit(conn, user=user, role=role, service=f"自助分析:{a.title}",
                      params={**shown, "job_id": job_id, "input_sha256": sha}, fields=labels, rows=len(rows),
                      ms=(time.perf_counter() - t0) * 1000, status="ok", identifiers=ids)
    conn.execute(f"update {store.SCHEMA}.job set audit_seq = %s where job_id = %s", (seq, job_id))
    return out, job_id


def _label(p: Param, v, names: dict[str, str]) -> str:
    if p.kind == "districts":
        return "全部" if len(v) == len(names) or len(v) >= 16 else "、".join(names.get(x, x) for x in v)
    if p.kind in ("choice", "choices"):
        ch = dict(p.choices)
        return "、".join(ch.get(x, x) for x in (v if isinstance(v, list) else [v]))
    return "、".join(map(str, v)) if isinstance(v, list) else str(v)


def _xlsx(a: Analysis, shown: dict, labels: list[str], rows, role: str, user: str, names: dict[str, str]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    from listmatch.jobs import mask

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "结果"
    ws.append([a.title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["参数: " + "; ".join(f"{p.label}: {_label(p, shown[p.name], names)}" for p in a.params)])
    ws.append(labels)
    for c in ws[3]:
        c.font, c.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for r in rows:
        r = list(r)
        if a.person_level:
            r[0] = mask(r[0], role)
        ws.append([("" if v is None else (float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, int) else v))
                   for v in r])
    if not rows:
        ws.append(["(没有符合条件的数据)"])
    for col in ws.columns:
        ws.column_dimensions[col[0].column_letter].width = 16
    n = wb.create_sheet("说明")
    for k, v in (("分析", a.title), ("口径", a.description), ("运行人", user), ("运行时间", time.strftime("%Y-%m-%d %H:%M:%S")),
                 ("参数", json.dumps(shown, ensure_ascii=False)), ("身份标识", "明文" if role in {"admin", "data_admin"} else "已脱敏")):
        n.append([k, v])
    n.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
