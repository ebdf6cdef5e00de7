"""Project lists: the import pipeline as named steps behind one ``import_file()``, and the store.

    read → header → columns → locate (datum, gazetteer) → validate → join → report → store
"""
from ..errors import ImportFileError
from .limits import Limits
from .locate import DATUM_LABELS, DatumRequired
from .pipeline import ImportOptions, ImportResult, canonical_frame, import_file, prepare
from .report import rejected_csv, rejected_xlsx
from .store import ConflictError, Store, default_url
from .summary import summaries

__all__ = ["DATUM_LABELS", "ConflictError", "DatumRequired", "ImportFileError", "ImportOptions", "ImportResult",
           "Limits", "Store", "canonical_frame", "default_url", "import_file", "prepare", "rejected_csv",
           "rejected_xlsx", "summaries"]
