"""Notice rows for the figure tests: a surveillance tender in 湖北省 with a CNY budget, keywords
overriding."""

from __future__ import annotations

from typing import Any

from link.rows import notice

BODY = "采购高清摄像机、视频汇聚平台及安装调试服务，含三年维保。"


def cam(title: str, value: float | None, body: str = BODY, repeat: int = 3, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict(
        relevant=True,
        score=0.8,
        notice_type="tender",
        published="2025-03-01",
        amount_value=value,
        amount_currency="CNY",
        amount_kind="budget",
        province="湖北省",
        categories=[("video_surveillance", "摄像机")],
    )
    base.update(kw)
    return notice(title, f"{title}。{body}" * repeat, **base)
