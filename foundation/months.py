"""Month arithmetic on YYYYMM strings and month indexes (months since year 0), and the arrival calendar of the
interface files. The one place that turns a YYYYMM into a date."""
from __future__ import annotations

import datetime as dt
import re


def month_index(yyyymm: str | int) -> int:
    s = str(yyyymm)
    return int(s[:4]) * 12 + int(s[4:6]) - 1


def month_str(index: int) -> str:
    return f"{index // 12:04d}{index % 12 + 1:02d}"


def month_range(start: str, count: int) -> list[str]:
    i = month_index(start)
    return [month_str(i + k) for k in range(count)]


def first_day(yyyymm: str | int) -> dt.date:
    """The first day of the month YYYYMM (the data_month the warehouse stores)."""
    yyyymm = str(yyyymm)
    return dt.date(int(yyyymm[:4]), int(yyyymm[4:6]), 1)


def arrival_date(data_month: str, period: str, arrival_day: int) -> dt.date:
    """Calendar date a file for `data_month` arrives (previous_month: delivered the month after)."""
    i = month_index(data_month) + (1 if period == "previous_month" else 0)
    return dt.date(i // 12, i % 12 + 1, arrival_day)


def yyyymm(text: str) -> str:
    """A month as the command lines take it (YYYYMM), refused otherwise: it names folders, files and partitions.
    Usable as an argparse `type` (a ValueError becomes the usage error `invalid yyyymm value`)."""
    if not re.fullmatch(r"[0-9]{4}(0[1-9]|1[0-2])", text):
        raise ValueError(f"not a month YYYYMM: {text!r}")
    return text
