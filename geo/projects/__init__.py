"""Project lists: the import pipeline as named steps behind one ``import_file()``, and the store.

    read → header → columns → locate (datum, gazetteer) → validate → join → report → store
"""
from ..errors import ImportFileError
from .pipeline import ImportResult, prepare, read_rows, rejected_csv, spatial_join, summaries
from .store import Store, default_url

__all__ = ["ImportFileError", "ImportResult", "Store", "default_url", "prepare", "read_rows", "rejected_csv",
           "spatial_join", "summaries"]
