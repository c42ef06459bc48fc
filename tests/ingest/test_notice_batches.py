"""Notices made a batch at a time (the ingest workers: pipeline.notices_or_errors, detection's texts
folded for the whole batch) are the notices made one at a time, failures included."""

from __future__ import annotations

import pytest

from procurewatch import pipeline
from procurewatch.detect import detect
from procurewatch.detect.detector import detection_texts
from procurewatch.model import Document, SkippedInput
from procurewatch.parse import understand

BODIES = [
    "采购人：某市公安局\n项目名称：视频监控系统采购\n预算金额：120万元\n采购内容：高清摄像机、人脸识别门禁",
    "招标人：某县教育局 采购内容：课桌椅 300套，预算 45万元",
    "中标人：杭州海康威视数字技术股份有限公司，中标金额：88.5万元。视频监控平台扩容",
    "",
    "Procurement of CCTV cameras and a video management system for the city police; budget EUR 250,000",
    "rn视频rn监控 <br/>系 统&nbsp; 臺北市  採購監視器\u3000车牌识别",
]


def documents(hostile: str = "") -> list[Document]:
    """The notices; the one at locator `hostile` with a lone surrogate in its title (its text cannot be
    hashed, so it cannot be understood)."""
    return [
        Document(
            path=f"notices/{i}.json",
            locator=str(i),
            kind="record",
            title=title + "\ud800" if str(i) == hostile else title,
            body=body,
            hints={"buyer": "某市公安局"} if i == 0 else {},
        )
        for i, (title, body) in enumerate(
            zip(
                ["某市公安局视频监控系统采购公告", "课桌椅采购", "监控平台中标结果公告", "", "CCTV", "監控"],
                BODIES,
                strict=True,
            )
        )
    ]


def test_detection_texts_of_many_notices_detect_as_each_alone():
    notices = [understand(doc) for doc in documents()]
    for notice, texts in zip(notices, detection_texts(notices), strict=True):
        assert detect(notice, texts) == detect(notice)
    assert any(detect(notice).surveillance.relevant for notice in notices)


def _failing_for(locator: str, function):
    def failing(doc_or_notice, *args):
        if doc_or_notice.locator == locator:
            raise ValueError(f"hostile {locator}")
        return function(doc_or_notice, *args)

    return failing


@pytest.mark.parametrize("broken", ["understand", "detect", "detection_texts", None])
def test_a_batch_gives_what_one_notice_at_a_time_gives(monkeypatch, broken):
    if broken == "detect":
        monkeypatch.setattr(pipeline, "detect", _failing_for("4", detect))
    elif broken == "detection_texts":  # the batch's texts fail: each notice is detected alone
        monkeypatch.setattr(pipeline, "detection_texts", lambda notices: 1 / 0)
    hostile = "2" if broken == "understand" else ""
    one_at_a_time = [pipeline.notice_or_error(doc) for doc in documents(hostile)]
    batch = pipeline.notices_or_errors(documents(hostile))
    assert batch == one_at_a_time
    failed = [made.locator for made in batch if isinstance(made, SkippedInput)]
    assert failed == {"understand": ["2"], "detect": ["4"]}.get(broken or "", [])
