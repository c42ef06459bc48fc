"""The cost of masking personal data (privacy.mask_personal_data): MB/s on ordinary notice text and on
hostile inputs built to make a pattern backtrack, each at two sizes, so a time that grows faster than
the input shows as a ratio above 2.

    python bench/masking.py [--chars 50000]

Target: linear (ratio ≈ 2 for twice the input) and at least 5 MB/s (UTF-8 bytes) on every input.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from procurewatch.privacy import mask_personal_data

NOTICE = (
    "宜昌市公安局人脸识别卡口建设项目招标公告。项目编号：YC2019-001。采购人：宜昌市公安局，地址：宜昌市西陵区"
    "东山大道100号。预算金额：人民币500万元（伍佰万元整）。采购内容：人脸识别系统一套、车辆卡口设备20套、"
    "视频监控摄像机200台，详见采购需求。投标截止时间：2019年3月20日9时30分。联系人：张三，电话：0717-6443245，"
    "手机：13812345678，邮箱：zhangsan@example.com。代理机构：湖北某招标代理有限公司，联系人：李女士，"
    "电话：027-87654321。投诉电话：0717-6443000。The tender documents are available at https://ggzy.example.gov.cn/"
    "notice/2019/001.html until 20 March 2019. Contact person: John Smith, Tel +86 27 8765 4321.\n"
)

WORST: dict[str, Callable[[int], str]] = {
    "letters (e-mail local part)": lambda n: "a" * n,
    "a@a@… (e-mail candidates)": lambda n: "a@" * (n // 2),
    "x.x.… then @": lambda n: "x." * (n // 2 - 1) + "@y",
    "a(at)… (spelled-out @)": lambda n: "a(at)" * (n // 5),
    "digits": lambda n: "1" * n,
    "digits with spaces": lambda n: "1 " * (n // 2),
    "dotted digits": lambda n: "13." * (n // 3),
    "mobiles": lambda n: "13812345678 " * (n // 12),
    "labels": lambda n: "联系人：" * (n // 4),
    "spaced labels": lambda n: "联 " * (n // 2),
    "label then a CJK run": lambda n: "联系人：" + "张" * (n - 4),
    "list of names": lambda n: "联系人：张三、" * (n // 7),
    "label then digits": lambda n: "联系人：" + "1" * (n - 4),
    "CJK run": lambda n: "中" * n,
    "spaces": lambda n: " " * n,
    "Latin labels": lambda n: "Contact: " * (n // 9),
    "Latin label, capitals": lambda n: "Contact: " + "A" * (n - 9),
    "ID-like runs": lambda n: "420502198001011234 " * (n // 19),
}


def rate(text: str, repeat: int = 1) -> tuple[float, float]:
    """Seconds for one masking of `text` (best of `repeat`), and MB/s of its UTF-8 bytes."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        mask_personal_data(text)
        best = min(best, time.perf_counter() - t0)
    return best, len(text.encode("utf-8")) / 1e6 / max(best, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chars", type=int, default=50_000, help="characters of each hostile input")
    args = parser.parse_args()
    ordinary = NOTICE * (1_000_000 // len(NOTICE))
    seconds, mbs = rate(ordinary, repeat=3)
    print(f"ordinary notice text: {len(ordinary):,} chars in {seconds:.3f} s = {mbs:.1f} MB/s")
    slowest = float("inf")
    print(f"{'hostile input':32} {'chars':>8} {'seconds':>8} {'MB/s':>7} {'x2 ratio':>8}")
    for name, make in WORST.items():
        small, large = make(args.chars), make(args.chars * 2)
        s_small, _ = rate(small, repeat=3)
        s_large, mbs_large = rate(large, repeat=3)
        slowest = min(slowest, mbs_large)
        ratio = s_large / max(s_small, 1e-9)
        print(f"{name:32} {len(large):>8,} {s_large:>8.3f} {mbs_large:>7.1f} {ratio:>8.2f}")
    print(f"slowest hostile input: {slowest:.1f} MB/s")


if __name__ == "__main__":
    main()
