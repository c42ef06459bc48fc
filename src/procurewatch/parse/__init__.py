"""Understanding a Document: buyer, suppliers, amounts, dates, place, phase, project code.

Contract: understand(doc: Document) -> Notice   (pure; no I/O beyond package data)
"""

from procurewatch.parse.notice import understand

__all__ = ["understand"]
