"""Write small, valid PDFs with a real text layer, for tests (no PDF library needed).

Chinese text uses the predefined Adobe-GB1 font STSong-Light with the UniGB-UCS2-H CMap, which every
PDF reader must know, so nothing is embedded and the text round-trips through extraction.
"""

from __future__ import annotations


def _hex_utf16(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def make_pdf(pages: list[list[str]], *, encrypt_marker: bool = False) -> bytes:
    """A PDF with one page per list of lines. `encrypt_marker` adds an /Encrypt entry (an encrypted file)."""
    objects: list[bytes] = []

    def add(body: str | bytes) -> int:
        objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objects)

    catalog = add("")  # filled in below
    pages_obj = add("")
    font = add(
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        "/DescendantFonts [ << /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        "/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        "/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >> "
        ">> ] >>"
    )
    page_ids = []
    for lines in pages:
        ops = ["BT", "/F1 14 Tf", "18 TL", "50 780 Td"]
        for line in lines:
            ops.append(f"<{_hex_utf16(line)}> Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(
            add(
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 595 842] "
                f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"
            )
        )
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    objects[pages_obj - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
    encrypt = ""
    if encrypt_marker:
        enc = add(
            "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 "
            "/O <" + "11" * 32 + "> /U <" + "22" * 32 + "> >>"
        )
        encrypt = f" /Encrypt {enc} 0 R /ID [<{'33' * 16}> <{'33' * 16}>]"

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R{encrypt} >>\n"
    out += f"{trailer}startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
