"""A corpus of notices carrying personal data in every format the masker must know, in every field a
notice has (title, buyer, supplier, text, url, project code, file name), and the tokens none of the
project's outputs may show."""

from __future__ import annotations

import json
from pathlib import Path

# (as written in a notice, tokens that must not be shown)
FORMATS: list[tuple[str, list[str]]] = [
    ("联 系 人：李雷", ["李雷"]),
    ("联系人及电话：韩梅梅 13512345678", ["韩梅梅", "13512345678"]),
    ("姓名：赵钱孙", ["赵钱孙"]),
    ("联系人：张三丰、郑十一", ["张三丰", "郑十一"]),
    ("联系人：欧阳娜娜", ["欧阳娜娜", "娜娜"]),
    ("Contact person: John Smith", ["John Smith", "Smith"]),
    ("联系人:Li Lei", ["Li Lei"]),
    ("联系人：王  伟", ["王  伟"]),
    ("手机：１３９１２３４５６７８", ["１３９１２３４５６７８"]),
    ("电话：135.1234.5678", ["135.1234.5678"]),
    ("身份证：420502800101123", ["420502800101123"]),
    ("身份证：420502 19800101 1234", ["19800101 1234"]),
    ("邮箱：zhang.san(at)126.com", ["zhang.san"]),
    ("手机13812345678", ["13812345678"]),
    ("身份证号420502198001011234", ["420502198001011234", "198001011234"]),
    ("邮箱：lilei@example.com", ["lilei@"]),
]
# what a URL, a project code or a file name can hold: numbers and addresses
IN_NAMES: list[tuple[str, list[str]]] = [
    ("13712345678", ["13712345678"]),
    ("420502198502021234", ["420502198502021234", "198502021234"]),
    ("136.2345.6789", ["136.2345.6789"]),
]


def tokens() -> list[str]:
    return sorted({t for _, ts in FORMATS + IN_NAMES for t in ts})


def records() -> list[dict[str, str]]:
    """One notice per format, the format written into its title, buyer, supplier and text, and a number
    into its URL and project code; award notices, so buyers and suppliers reach every figure."""
    out = []
    for i, (written, _) in enumerate(FORMATS):
        number = IN_NAMES[i % len(IN_NAMES)][0]
        out.append(
            {
                "标题": f"某市公安局人脸识别视频监控系统采购项目中标公告（{written}）",
                "正文": f"中标供应商：某科技有限公司，中标金额：{100 + i}万元。"
                f"人脸识别系统一套，视频监控摄像机50台。{written}。项目负责人：{written}",
                "采购人": f"某市公安局{written}",
                "中标供应商": f"个体工商户{written}",
                "发布日期": f"2021-{1 + i % 12:02d}-{1 + i:02d}",
                "项目编号": f"XM-{number}",
                "公告类型": "中标公告",
                "地区": "湖北",
                "url": f"https://www.example.gov.cn/notice/{number}/{i}.html?mail=lilei@example.com",
            }
        )
    return out


def write_corpus(folder: Path) -> list[str]:
    """The notices as JSON Lines files under `folder`, named with personal numbers too; the tokens."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = records()
    half = len(rows) // 2
    for (name, _), part in zip(IN_NAMES[:2], (rows[:half], rows[half:]), strict=True):
        path = folder / f"公告{name}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
    return tokens()
