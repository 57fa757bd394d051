"""Synthetic enterprise-registration files, written by DuckDB at national scale.

A national feed is tens of millions of rows: generating it row by row in Python would take longer
than the pipeline it measures. DuckDB writes it with one `COPY (select ...) TO` instead, streaming,
so a 25M-row file costs a minute and little memory. Every row is valid against the feed's contract
and GX suite (the benchmark measures the happy path): the template's Chinese headers, a month and a
date inside it, an allowed event type, and a unified social credit code whose check character is
computed in SQL from the same charset and weights as `pipelines.checks.credit_code`, which
then checks a sample of the written codes. Codes encode the row number, so the business key is
unique.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.checks.credit_code import CHARSET, WEIGHTS, is_valid
from pipelines.files.contracts import load_contract

FEED = "enterprise_registrations"
DEPARTMENT = "market_regulation"
YEAR = 2024
SAMPLE_CHECKED = 1000
# Registration authority and type (9: market regulation; 1 company, 2 individual business, 3
# cooperative) and the region of registration: a handful of real prefectures across the country.
KINDS = ["1", "1", "1", "2", "2", "3"]
REGIONS = {
    "110105": "北京",
    "310115": "上海",
    "440305": "深圳",
    "230109": "哈尔滨",
    "510107": "成都",
    "330106": "杭州",
    "420106": "武汉",
    "610113": "西安",
}
BRAND = "华新创远达盛兴泰恒瑞嘉和鑫源宏博安信益丰"
FORMS = ["科技有限公司", "贸易有限公司", "建筑工程有限公司", "餐饮店", "商行", "农民专业合作社"]
INDUSTRIES = [
    "制造业",
    "批发和零售业",
    "信息传输、软件和信息技术服务业",
    "住宿和餐饮业",
    "建筑业",
    "科学研究和技术服务业",
    "租赁和商务服务业",
    "交通运输、仓储和邮政业",
]
# Out of 1000 events. The file comes from market regulation's folder, which reports new
# registrations only (contracts/enterprise_registrations.yaml): a row of another kind would
# reject the whole file (pipelines/files/senders.py), so every event is a new registration.
EVENT_SHARES = [("新登记", 1000)]


def sql_list(values: list[str]) -> str:
    """A DuckDB list literal of strings (fixed, trusted values from this module)."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def pick(values: list[str], index_sql: str) -> str:
    """SQL choosing one of `values` by a non-negative integer expression."""
    return f"{sql_list(values)}[({index_sql}) % {len(values)} + 1]"


def credit_code_sql(n: str) -> str:
    """SQL for an 18-character credit code unique to row number `n` (< 31**9), check included.

    The last nine body characters are `n` in base 31 over the code's charset; the check character
    is 31 - (sum of value x weight) mod 31, as in GB 32100-2015.
    """
    body = [f"'9' || {pick(KINDS, f'{n} * 7')}", pick(list(REGIONS), f"{n} * 13 // 7")]
    body += [f"substr('{CHARSET}', (({n} // {31**k}) % 31)::int + 1, 1)" for k in range(8, -1, -1)]
    first17 = " || ".join(body)
    weighted = " + ".join(
        f"(instr('{CHARSET}', substr(first17, {i + 1}, 1)) - 1) * {w}"
        for i, w in enumerate(WEIGHTS)
    )
    check = f"substr('{CHARSET}', ((31 - ({weighted}) % 31) % 31)::int + 1, 1)"
    return f"(select first17 || {check} from (select {first17} as first17))"


def rows_sql(rows: int, offset: int, months: list[int]) -> str:
    """The select that `COPY` writes: `rows` events, codes numbered from `offset`."""
    contract = load_contract(FEED)
    headers = {c.name: c.header_zh for c in contract.columns}
    event_cases = []
    upper = 0
    for event, share in EVENT_SHARES:
        upper += share
        event_cases.append(f"when n * 37 % 1000 < {upper} then '{event}'")
    month = f"{sql_list([str(m) for m in months])}[n % {len(months)} + 1]::int"
    columns = {
        "period": f"printf('{YEAR}-%02d', month)",
        "credit_code": "code",
        "enterprise_name": (
            f"{pick(list(REGIONS.values()), 'n * 13 // 7')} || "
            f"{pick(list(BRAND), 'n // 3')} || {pick(list(BRAND), 'n // 61')} || "
            f"{pick(list(BRAND), 'n // 1999')} || {pick(FORMS, 'n * 5 // 3')}"
        ),
        "event_type": f"case {' '.join(event_cases)} end",
        "event_date": f"strftime(make_date({YEAR}, month, (n * 11 % 28 + 1)::int), '%Y-%m-%d')",
        "industry": pick(INDUSTRIES, "n * 3 // 11"),
    }
    selected = ", ".join(f'{sql} as "{headers[name]}"' for name, sql in columns.items())
    return (
        f"select {selected} from (select n, {month} as month, {credit_code_sql('n')} as code "
        f"from range({offset}, {offset + rows}) as r(n)) order by n"
    )


def write_registrations(
    path: Path, rows: int, offset: int = 0, months: list[int] | None = None
) -> Path:
    """Write a registrations CSV of `rows` valid events, once its credit codes are checked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        check_codes(con, offset, rows)
        sql = rows_sql(rows, offset, months or list(range(1, 13)))
        con.execute(f"copy ({sql}) to '{path}' (header, delimiter ',')")
    return path


def check_codes(con: duckdb.DuckDBPyConnection, offset: int, rows: int) -> None:
    """Refuse to write codes that `pipelines.checks.credit_code` would not accept, sampled
    across rows."""
    step = max(1, rows // SAMPLE_CHECKED)
    codes = con.execute(
        f"select {credit_code_sql('n')} from range({offset}, {offset + rows}, {step}) as r(n)"
    ).fetchall()
    for (code,) in codes:
        if not is_valid(code):
            raise ValueError(f"generated credit code {code} fails its check character")
