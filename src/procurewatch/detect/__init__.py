"""Surveillance detection: taxonomy categories and vendors, each with evidence.

Contract: detect(notice: Notice) -> Detection   (pure; knowledge loaded once from package data)
"""

from procurewatch.detect.detector import detect

__all__ = ["detect"]
