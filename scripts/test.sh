#!/usr/bin/env bash
# The README's test command: installs the project with its test extras (and, where apt is
# available, the headless Chromium and CJK font the browser tests drive), then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) \
    >/dev/null 2>&1 || echo "note: could not install chromium; browser tests will be skipped"
fi
if ! python3 -c "import ctypes.util, sys; sys.exit(not ctypes.util.find_library('archive'))" \
  && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libarchive13) \
    >/dev/null 2>&1 || echo "note: could not install libarchive13; .rar/.7z tests will be skipped"
fi
# OCR of scans: Tesseract and the language packs data/ocr.json requires (the taxonomy's languages)
if ! command -v tesseract >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr \
    tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-eng tesseract-ocr-spa tesseract-ocr-fra \
    tesseract-ocr-por tesseract-ocr-ron tesseract-ocr-rus tesseract-ocr-ukr) \
    >/dev/null 2>&1 || echo "note: could not install tesseract; OCR tests will be skipped"
fi
python3 -m ruff check src tests bench
python3 -m pytest "$@"
