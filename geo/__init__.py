"""Planning geodata core: load, validate, reproject and join every plan layer.

Data flows one way: data/ → geo/ → layers/ → server.py.
"""
from .errors import DataError, ReplacementError, ValidationError
from .load import LAYER_IDS, PlanData, load
from .validate import validate

__all__ = ["LAYER_IDS", "DataError", "PlanData", "ReplacementError", "ValidationError", "load", "validate"]
