"""Planning geodata core: load, validate, reproject and join every plan layer.

Data flows one way: data/ → geo/ → layers/ → server.py.
"""
from .load import LAYER_IDS, PlanData, load
from .errors import DataError, ReplacementError, ValidationError
from .validate import validate

__all__ = ["LAYER_IDS", "PlanData", "load", "validate", "DataError", "ReplacementError", "ValidationError"]
