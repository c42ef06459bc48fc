"""The pages of one scan read side by side: each page is its own Tesseract child process, so a few run
at once from threads that only wait on them (pdfium, which is not thread-safe, renders in the caller's
thread, a few pages ahead at most).

How many at once: in a worker process of `ingest` one page at a time per worker, unless the workers
leave cores free (PROCUREWATCH_WORKERS below the cores); in the main process (a small input is read
there, so a single long scan) up to one per core. data/ocr.json's `parallel_pages` caps both.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from procurewatch.sources.ocr import DocumentReader, OcrText, PageImage, settings

WORKERS_VARIABLE = "PROCUREWATCH_WORKERS"

_pages_read = 0
_count_lock = threading.Lock()


def pages_read() -> int:
    """Pages OCR'd in this process so far (for a progress display)."""
    return _pages_read


def page_workers() -> int:
    cores = os.cpu_count() or 1
    if multiprocessing.parent_process() is not None:
        workers = os.environ.get(WORKERS_VARIABLE, "")
        cores = cores // max(1, int(workers)) if workers.isdigit() else 1
    return max(1, min(cores, int(settings()["parallel_pages"])))


def read_pages(
    pages: Iterable[tuple[int, PageImage]],
    reader: DocumentReader,
    workers: int | None = None,
    on_page: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, OcrText]]:
    """(page index, its OCR text) in page order. The first pages are read one by one until the
    document's languages are chosen on one; the rest side by side."""
    workers = workers or page_workers()
    pages = iter(pages)
    for index, image in pages:
        yield index, _counted(reader.read(image), on_page)
        if reader.languages is not None:
            break
    if workers == 1:
        for index, image in pages:
            yield index, _counted(reader.read(image), on_page)
        return
    waiting: deque[tuple[int, Future[OcrText]]] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix="ocr") as pool:
        try:
            for index, image in pages:
                waiting.append((index, pool.submit(reader.read, image)))
                while len(waiting) > workers:  # a few rendered pages wait, not the whole scan
                    done, future = waiting.popleft()
                    yield done, _counted(future.result(), on_page)
            while waiting:
                done, future = waiting.popleft()
                yield done, _counted(future.result(), on_page)
        finally:
            for _, future in waiting:
                future.cancel()


def _counted(result: OcrText, on_page: Callable[[int], None] | None) -> OcrText:
    global _pages_read
    with _count_lock:
        _pages_read += 1
        count = _pages_read
    if on_page is not None:
        on_page(count)
    return result
