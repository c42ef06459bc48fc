"""Surveillance detection: taxonomy categories and vendors, each with evidence and a role.

Contract: detect(notice: Notice) -> Detection   (pure; knowledge loaded once from package data)

Detection.surveillance.role and each CategoryFinding.role say how the surveillance stands in the
purchase: "primary" (the purchase is surveillance) or "component" (surveillance is a named part of
a larger works or ICT purchase); None when the notice is not relevant. In the record (model.to_record)
they are surveillance.role and surveillance.categories[i].role. What decides them, and how a term
weighs by where it sits, is data: taxonomy/sections.json (object and boilerplate parts, enumerations),
domains.json (settings that explain a camera away), services.json (services around works, works and
broad objects).
"""

from procurewatch.detect.detector import detect

__all__ = ["detect"]
