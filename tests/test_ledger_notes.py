"""What the reader finds around a department's table reaches the ledger: a 合计 that does not
add up becomes a warning, and the footer names who filled the file in."""

from __future__ import annotations

import json

from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.warehouse import connect


def test_total_mismatch_and_footer_are_recorded_on_the_submission(settings):
    path = settings.landing / "tourism_revenue" / "culture_tourism" / "2024年1月旅游收入.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "2024年1月哈尔滨新区旅游收入情况表\n"
        "报告期,景区或类别,旅游收入（万元）\n"
        "2024-01,太阳岛,100\n"
        "2024-01,极地公园,50\n"
        "合计,,160\n"
        "填报人：张三,联系电话：0451-12345678,\n",
        encoding="utf-8",
    )
    with connect(settings.warehouse) as con:
        prepare(con)
        (submission,) = receive_feed(con, settings.landing, settings.archive, "tourism_revenue")
        row = con.execute(
            "select rows_read, warnings_en, warnings_zh, file_title, file_notes "
            "from ledger.submissions"
        ).fetchone()
    rows_read, warning_en, warning_zh, title, notes = row
    assert (submission.status, rows_read) == ("received", 2)  # the 合计 row is not data
    # 100 + 50 = 150, not the 160 the total row says.
    assert "160" in warning_en and "150" in warning_en
    assert "合计" in warning_zh
    assert title == "2024年1月哈尔滨新区旅游收入情况表"
    assert json.loads(notes) == {"填报人": "张三", "联系电话": "0451-12345678"}
