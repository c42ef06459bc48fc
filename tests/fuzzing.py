"""Shared settings and strategies for the property-based fuzz tests (Hypothesis) of every reader and
parser. The budget is fixed for CI: derandomised examples (the same inputs every run), a bounded number
per test; PROCUREWATCH_FUZZ_EXAMPLES raises the number for a longer hunt."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("PROCUREWATCH_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a slow example is measured by bench/hostile.py, not failed here
    derandomize=EXAMPLES <= 40,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# pieces of what notices and their containers are made of, so examples reach past the first check
FRAGMENTS = [
    "{", "}", "[", "]", '"', ":", ",", "\n", "\r\n", "\\", "\t", "\ufeff", "\x00",
    '"标题"', '"内容"', '"采购人"', '"中标金额"', '"ocid"', '"releases"', '"records"', '"tag"', '"tender"',
    '"value"', '"amount"', "null", "true", "1e308", "-0", "9" * 40, "标题,内容,采购人\n",
    "<html>", "<table><tr><td>", "</td></tr></table>", "<meta charset='gbk'>", "%PDF-1.4", "PK\x03\x04",
    "采购人：", "中标供应商：", "预算金额：", "万元", "人民币", "壹佰贰拾万元整", "2024年5月1日", "２０２４",
    "人脸识别", "视频监控", "有限公司", "公安局", "联系人：张三", "13812345678", "（", "）", "、", "。",
]  # fmt: skip

notice_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=60).map("".join)
notice_bytes = st.one_of(
    st.binary(max_size=2048),
    notice_text.map(lambda text: text.encode("utf-8")),
    notice_text.map(lambda text: text.encode("gb18030", errors="replace")),
    notice_text.map(lambda text: text.encode("utf-16")),
)
