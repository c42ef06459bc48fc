"""understand_many (a batch, each step run over every document in turn) gives what understand gives each
document alone, failures included, whichever step a document fails at."""

from __future__ import annotations

import pytest

from procurewatch.model import Document, Notice
from procurewatch.parse.notice import explain, understand, understand_many


def _doc(locator: str, title: str, body: str, hints: dict[str, object] | None = None) -> Document:
    return Document(
        path=f"notices/{locator}.json", locator=locator, kind="record", title=title, body=body, hints=hints
    )


DOCS = [
    _doc("0", "江西省南昌市公安局视频监控系统采购公告", "采购人：南昌市公安局\n预算金额：120万元"),
    _doc("1", "监控平台中标结果公告\ud800", "中标人：某某科技有限公司"),  # a lone surrogate: cannot be hashed
    # items that are no list: fails at the last step
    _doc("2", "课桌椅采购中标公告", "中标人：某县家具有限公司，中标金额：45万元", {"items": 5}),
    _doc("3", "某县教育局课桌椅采购项目招标公告", "招标人：某县教育局 采购内容：课桌椅 300套，预算 45万元"),
]


def _alone(doc: Document) -> Notice | type[Exception]:
    try:
        return understand(doc)
    except Exception as exc:
        return type(exc)


def test_a_batch_understands_each_document_as_alone():
    batch = [made if isinstance(made, Notice) else type(made) for made in understand_many(DOCS)]
    assert batch == [_alone(doc) for doc in DOCS]
    assert batch[1] is UnicodeEncodeError and batch[2] is TypeError  # failed at the first and the last step
    assert isinstance(batch[0], Notice) and batch[0].buyer and batch[0].buyer.name == "南昌市公安局"
    assert isinstance(batch[3], Notice) and batch[3].place and batch[3].notice_type == "tender"


def test_explain_raises_what_understand_raises_and_traces_the_rest():
    with pytest.raises(TypeError):
        explain(DOCS[2])
    notice, trace = explain(DOCS[0])
    assert notice == understand(DOCS[0])
    assert trace["buyer"] and trace["amounts"]
