"""The explorer's HTML pages, one module per page family, each an APIRouter wired in by web/app.py."""
