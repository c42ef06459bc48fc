"""Readers: files, folders and archives → Documents (one per notice).

Contract used by the rest of the package:
  iter_input_files(paths) -> Iterator[InputFile | SourceError]
      walks folders recursively, opens .zip/.gz/.tar.gz in place (members get
      path "archive.zip!member/name"), never loads a whole archive into memory.
  read_input(input_file, field_map=None) -> Iterator[Document | SourceError]
      picks the reader by content (OCDS, scraped records, HTML, PDF, text).
  iter_documents(paths, field_map=None) -> Iterator[Document | SourceError]
      both of the above.
"""

from procurewatch.sources.base import InputFile, iter_documents, iter_input_files, read_input

__all__ = ["InputFile", "iter_documents", "iter_input_files", "read_input"]
