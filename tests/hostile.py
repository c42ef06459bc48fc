"""A hostile corpus, written on demand: each function writes one kind of hostile input into a folder and
returns the names (relative to the folder, archive members as "a.zip!member") that ingest must report
as skipped. Shared by the tests (small inputs, just over each budget) and bench/hostile.py (`big=True`:
the worst input of each kind the issue measured).

Every kind but `non_utf8_name` and `html_with_pdf_marker` is skipped, in whole or in part; those two must
land.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import random
import socket
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from procurewatch.sources.budget import limits

GOOD_RECORD = {
    "标题": "某市公安局视频监控系统运维服务采购项目中标结果公告",
    "内容": "中标供应商：某某科技有限公司。中标金额：56.8万元。采购内容：前端摄像机运维。",
    "采购人": "某市公安局",
    "发布日期": "2024-03-08",
}
CSV_HEADER = "标题,内容,采购人,发布日期\n"
MB = 2**20


def record(i: int) -> dict[str, str]:
    return {**GOOD_RECORD, "标题": f"{GOOD_RECORD['标题']} 第{i}号"}


def record_line(i: int) -> bytes:
    return json.dumps(record(i), ensure_ascii=False).encode() + b"\n"


def csv_row(i: int) -> str:
    r = record(i)
    return f"{r['标题']},{r['内容']},{r['采购人']},{r['发布日期']}\n"


def _repeat_into(write: Callable[[bytes], object], block: bytes, total: int) -> None:
    while total > 0:
        write(block[:total])
        total -= len(block)


# ----------------------------------------------------------------------------- file system


def symlink_loop(folder: Path, big: bool = False) -> list[str]:
    """ln -s loop.json loop.json: reading it fails with ELOOP."""
    os.symlink("loop.json", folder / "loop.json")
    return ["loop.json"]


def fifo(folder: Path, big: bool = False) -> list[str]:
    """A named pipe nobody writes to: opening it for reading would block forever."""
    os.mkfifo(folder / "pipe.json")
    return ["pipe.json"]


def unix_socket(folder: Path, big: bool = False) -> list[str]:
    path = folder / "listening.json"
    if len(str(path)) > 100:  # AF_UNIX names are short
        return []
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
    return ["listening.json"]


def non_utf8_name(folder: Path, big: bool = False) -> list[str]:
    """A good notice whose file name holds a byte that is not UTF-8: it must land."""
    name = os.fsencode(folder) + b"/x\xff.json"
    with open(name, "wb") as out:
        out.write(json.dumps(record(900), ensure_ascii=False).encode())
    return []


# ----------------------------------------------------------------------------- budgets


def csv_gz_quote_bomb(folder: Path, big: bool = False) -> list[str]:
    """A small .csv.gz whose second row opens a quote that never closes over a line that never ends."""
    size = 2000 * MB if big else limits().max_line_bytes + MB
    with gzip.open(folder / "quote-bomb.csv.gz", "wb", compresslevel=9) as out:
        out.write(CSV_HEADER.encode() + csv_row(1).encode() + b'2,"')
        _repeat_into(out.write, b"a" * MB, size)
    return ["quote-bomb.csv.gz"]


def csv_quote_field_bomb(folder: Path, big: bool = False) -> list[str]:
    """An unterminated quote over many short lines: one field grows past max_field_chars."""
    lines = (limits().max_field_chars // 100) + 10
    with open(folder / "field-bomb.csv", "w", encoding="utf-8") as out:
        out.write(CSV_HEADER + csv_row(1) + '某标题,"未闭合的引号\n')
        out.write(("监控" * 50 + "\n") * lines)
    return ["field-bomb.csv"]


def csv_unterminated_quote(folder: Path, big: bool = False) -> list[str]:
    """An unterminated quote mid-file, then good rows (one with a long cell): the rows after it land."""
    rows = [CSV_HEADER, csv_row(1), '某县卡口采购项目,"内容未闭合,某县公安局,2024-01-02\n']
    rows += [csv_row(i) for i in (3, 4)]
    long = record(5)
    rows.append(f"{long['标题']},{'采购内容。' * 20_000},{long['采购人']},{long['发布日期']}\n")
    (folder / "unterminated.csv").write_text("".join(rows), encoding="utf-8")
    return ["unterminated.csv"]


def deep_json(folder: Path, big: bool = False) -> list[str]:
    """'[' * D + ']' * D: the shape sniffer's memory grew with the square of D."""
    depth = 1_000_000 if big else 100_000
    (folder / "deep.json").write_bytes(b"[" * depth + b"]" * depth)
    return ["deep.json"]


def deep_object_json(folder: Path, big: bool = False) -> list[str]:
    depth = 200_000 if big else 50_000
    (folder / "deep-object.json").write_bytes(b'{"a":' * depth + b"1" + b"}" * depth)
    return ["deep-object.json"]


def deep_jsonl_line(folder: Path, big: bool = False) -> list[str]:
    """A 100k-deep line between good lines: that line is skipped, the others land."""
    depth = 1_000_000 if big else 100_000
    deep = b'{"x":' + b"[" * depth + b"]" * depth + b"}\n"
    (folder / "deep-line.jsonl").write_bytes(record_line(20) + deep + record_line(21))
    return ["deep-line.jsonl"]


def huge_single_record(folder: Path, big: bool = False) -> list[str]:
    """One JSON record of 50 MB (a body of 50 million characters)."""
    size = 50 * MB if big else limits().max_record_bytes + MB
    with open(folder / "huge-record.json", "wb") as out:
        out.write(b'{"\xe6\xa0\x87\xe9\xa2\x98": "huge", "\xe5\x86\x85\xe5\xae\xb9": "')
        _repeat_into(out.write, b"x" * MB, size)
        out.write(b'"}')
    return ["huge-record.json"]


def long_line_in_zip(folder: Path, big: bool = False) -> list[str]:
    """A zipped JSON Lines file with one line over max_line_bytes between good lines."""
    size = 2000 * MB if big else limits().max_line_bytes + MB
    archive = zipfile.ZipFile(folder / "long-line.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9)
    with archive, archive.open("notices.jsonl", "w", force_zip64=True) as member:
        member.write(record_line(30))
        member.write(b'{"\xe6\xa0\x87\xe9\xa2\x98": "')
        _repeat_into(member.write, b"y" * MB, size)
        member.write(b'"}\n')
        member.write(record_line(31))
    return ["long-line.zip!notices.jsonl"]


def long_line_on_disk(folder: Path, big: bool = False) -> list[str]:
    """A big JSON Lines file on disk (read in slices) with one line over max_line_bytes."""
    size = 200 * MB if big else limits().max_line_bytes + MB
    with open(folder / "long-line.jsonl", "wb") as out:
        for i in range(40, 45):
            out.write(record_line(i))
        out.write(b'{"\xe6\xa0\x87\xe9\xa2\x98": "')
        _repeat_into(out.write, b"z" * MB, size)
        out.write(b'"}\n')
        out.write(record_line(45))
    return ["long-line.jsonl"]


def zip_bomb(folder: Path, big: bool = False) -> list[str]:
    """A zip member that inflates ~1000-fold into text larger than a page may be."""
    size = 1000 * MB if big else 60 * MB
    archive = zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9)
    with archive, archive.open("bomb.txt", "w", force_zip64=True) as member:
        member.write("某市监控采购公告\n".encode())
        _repeat_into(member.write, b"A" * MB, size)
    return ["bomb.zip!bomb.txt"]


# ----------------------------------------------------------------------------- archives


def zip_slip(folder: Path, big: bool = False) -> list[str]:
    """Members named to climb out of the archive: reported, never written or read."""
    with zipfile.ZipFile(folder / "slip.zip", "w") as archive:
        archive.writestr("../../x.json", json.dumps(record(50), ensure_ascii=False))
        archive.writestr("..\\..\\y.json", json.dumps(record(51), ensure_ascii=False))
        archive.writestr("ok.json", json.dumps(record(52), ensure_ascii=False))
    return ["slip.zip!../../x.json", "slip.zip!..\\..\\y.json"]


def truncated_tar_gz(folder: Path, big: bool = False) -> list[str]:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for i in range(3):
            data = random.Random(i).randbytes(30_000).hex().encode()
            info = tarfile.TarInfo(f"n{i}.txt")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    data = buffer.getvalue()
    (folder / "truncated.tar.gz").write_bytes(data[: len(data) // 2])
    return ["truncated.tar.gz"]


def zero_byte_gz(folder: Path, big: bool = False) -> list[str]:
    (folder / "zero.json.gz").write_bytes(b"")
    return ["zero.json.gz"]


def truncated_gz(folder: Path, big: bool = False) -> list[str]:
    data = gzip.compress(b"".join(record_line(i) for i in range(60, 200)))
    (folder / "cut.jsonl.gz").write_bytes(data[: len(data) // 3])
    return ["cut.jsonl.gz"]


def broken_zip(folder: Path, big: bool = False) -> list[str]:
    (folder / "broken.zip").write_bytes(b"PK\x03\x04" + random.Random(7).randbytes(500))
    return ["broken.zip"]


# ----------------------------------------------------------------------------- content


def binary_as_json(folder: Path, big: bool = False) -> list[str]:
    (folder / "garbage.json").write_bytes(random.Random(1).randbytes(8192))
    return ["garbage.json"]


def empty_file(folder: Path, big: bool = False) -> list[str]:
    (folder / "empty.json").write_bytes(b"")
    return ["empty.json"]


def bom_only(folder: Path, big: bool = False) -> list[str]:
    (folder / "bom.jsonl").write_bytes(codecs.BOM_UTF8)
    return ["bom.jsonl"]


def nul_bytes(folder: Path, big: bool = False) -> list[str]:
    (folder / "nul.html").write_bytes(b"\x00" * 4096)
    return ["nul.html"]


def wrong_encoding(folder: Path, big: bool = False) -> list[str]:
    """Bytes that decode as no text encoding, in a file named as a page."""
    (folder / "mojibake.txt").write_bytes("公告".encode() + b"\x81\x20\xfe\x30\x8d" * 200)
    return ["mojibake.txt"]


def broken_json(folder: Path, big: bool = False) -> list[str]:
    (folder / "broken.json").write_text('{"标题": "视频监控采购", "内容": "摄像机', encoding="utf-8")
    return ["broken.json"]


def truncated_pdf(folder: Path, big: bool = False) -> list[str]:
    (folder / "cut.pdf").write_bytes(
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<<"
    )
    return ["cut.pdf"]


def html_with_pdf_marker(folder: Path, big: bool = False) -> list[str]:
    """A page that mentions "%PDF" near its top: an HTML notice, not a damaged PDF. It must land."""
    page = (
        "<html><head><meta charset='utf-8'><title>某县公安局人脸识别系统采购公告</title></head><body>"
        "<p>附件：招标文件.pdf（%PDF-1.7 扫描件）</p><h1>某县公安局人脸识别系统采购公告</h1>"
        "<p>采购人：某县公安局。预算金额：120万元。</p></body></html>"
    )
    (folder / "mentions-pdf.html").write_text(page, encoding="utf-8")
    return []


KINDS: dict[str, Callable[[Path, bool], list[str]]] = {
    f.__name__: f
    for f in (
        symlink_loop,
        fifo,
        unix_socket,
        non_utf8_name,
        csv_gz_quote_bomb,
        csv_quote_field_bomb,
        csv_unterminated_quote,
        deep_json,
        deep_object_json,
        deep_jsonl_line,
        huge_single_record,
        long_line_in_zip,
        long_line_on_disk,
        zip_bomb,
        zip_slip,
        truncated_tar_gz,
        zero_byte_gz,
        truncated_gz,
        broken_zip,
        binary_as_json,
        empty_file,
        bom_only,
        nul_bytes,
        wrong_encoding,
        broken_json,
        truncated_pdf,
        html_with_pdf_marker,
    )
}

# notices of the hostile files that must land beside the good corpus: file name → notices
LANDING = {
    "x\\xff.json": 1,  # non_utf8_name
    "mentions-pdf.html": 1,  # html_with_pdf_marker
    "unterminated.csv": 4,  # rows 1, 3, 4 and the long one
    "field-bomb.csv": 1,  # row 1 (the lines the quote swallowed come back as one-field rows)
    "quote-bomb.csv.gz": 1,  # row 1
    "deep-line.jsonl": 2,
    "long-line.zip!notices.jsonl": 2,
    "long-line.jsonl": 6,
    "slip.zip!ok.json": 1,
    "truncated.tar.gz!n0.txt": 1,  # the member before the archive breaks off
}


def write_hostile(folder: Path, kinds: list[str] | None = None, big: bool = False) -> list[str]:
    """Every kind (or those named) into `folder`; the names ingest must report as skipped."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: list[str] = []
    for name in kinds or list(KINDS):
        expected += KINDS[name](folder, big)
    return expected
