"""Notice texts cut into the index's seg and bigram texts (`tokens.Segmenter`), in this thread or in
worker processes, handed back in the order the batches were read: the documents are the same either way.

With workers the main thread only reads the store and builds documents; the pool is kept for every
session of an index run (starting a worker costs about a second). Each worker keeps a Segmenter
of its own: what a Segmenter remembers saves work but never changes a text's cut. A worker that dies
ends indexing with a StepError (ingest reports it as a warning; the next run indexes what is missing);
an error raised in a worker is raised here as it is. The pool is shut down on every way out, Ctrl-C
included (the workers leave Ctrl-C to this process and end if it is killed: processes.py).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TypeVar

import pyarrow as pa
import tantivy

from procurewatch.errors import StepError
from procurewatch.processes import start_worker
from procurewatch.search.tokens import Segmenter, lowering_word_analyzer

Item = TypeVar("Item")
Seg = str | tantivy.PreTokenizedString
Cut = tuple[list[Seg], list[str]]
Cuts = Generator[tuple[Item, Cut], None, None]
# batches handed to the workers before the oldest is taken back: enough to keep each busy while the
# main thread builds the documents of the batch before, few enough to keep memory flat
IN_FLIGHT_PER_PROCESS = 2


class CuttingError(StepError):
    """A process cutting texts for the search index ended without handing its batch back."""


@dataclass(frozen=True, slots=True)
class _Lowered:
    """A seg text a worker pre-tokenized (`tokens.lowered_words`): tantivy's PreTokenizedString cannot
    be pickled, so the text travels and is pre-tokenized again here, by the same analyzer."""

    text: str


class TextCutter:
    """Cuts the texts of batches, in order, in this thread (`processes` 0) or by a pool of `processes`
    worker processes, started at the first batch and kept for every batch after it until `close`."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.segmenter = Segmenter()
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> TextCutter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def cut_in_order(self, batches: Iterable[tuple[Item, pa.Array]]) -> Cuts[Item]:
        """(item, its texts' seg and bigram texts) for each (item, texts) of `batches`, in order. Close
        the iterator when stopping early: the batches still in the workers are then waited for."""
        if self.processes <= 0:
            for item, texts in batches:
                yield item, self.segmenter.index_texts(_texts(texts))
            return
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
            )
        in_flight: deque[tuple[Item, Future[tuple[list[str | _Lowered], list[str]]]]] = deque()
        try:
            for item, texts in batches:
                in_flight.append((item, self.pool.submit(_cut, texts)))
                if len(in_flight) > IN_FLIGHT_PER_PROCESS * self.processes:
                    yield _taken(*in_flight.popleft())
            while in_flight:
                yield _taken(*in_flight.popleft())
        except BrokenProcessPool as exc:
            self.close()
            raise CuttingError(f"a process cutting texts for the search index died ({exc})") from exc
        finally:
            for _, future in in_flight:
                future.cancel()
            wait([future for _, future in in_flight])


def _taken(item: Item, future: Future[tuple[list[str | _Lowered], list[str]]]) -> tuple[Item, Cut]:
    segs, bigrams = future.result()
    analyzer = lowering_word_analyzer()
    return item, ([s if isinstance(s, str) else analyzer.pre_tokenize(s.text) for s in segs], bigrams)


def _texts(texts: pa.Array) -> list[str]:
    return [t or "" for t in texts.to_pylist()]


_segmenter: Segmenter | None = None


def _cut(texts: pa.Array) -> tuple[list[str | _Lowered], list[str]]:
    """In a worker: the seg and bigram texts of one batch."""
    global _segmenter
    if _segmenter is None:
        _segmenter = Segmenter()
    segs, bigrams = _segmenter.index_texts(_texts(texts))
    return [s if isinstance(s, str) else _Lowered(s.text) for s in segs], bigrams
