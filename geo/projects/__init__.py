"""Project lists: the import pipeline as named steps behind one ``import_file()``, and the store.

    read → header → columns → locate (datum, town) → validate → join → report → store
"""
from ..errors import ImportFileError
from .legacy_read import read_rows
from .pipeline import ImportOptions, ImportResult, import_file, prepare
from .report import rejected_csv
from .store import Store, default_url
from .summary import summaries

__all__ = ["ImportFileError", "ImportOptions", "ImportResult", "Store", "default_url", "import_file", "prepare",
           "read_rows", "rejected_csv", "summaries"]
