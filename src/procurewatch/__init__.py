"""procurewatch: find and measure government purchases of surveillance technology."""

__version__ = "0.1.0"
