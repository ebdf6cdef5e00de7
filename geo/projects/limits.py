"""Limits on uploaded project lists, enforced while a file is read (not after it is parsed).

One ``Limits`` is built from the service config (``Limits.from_config(cfg)``) and passed to the
reader by the web route, the CLI and the benchmarks.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

MIB = 1024 * 1024


# config key -> (field, factor): the config speaks in MB and seconds, the reader in bytes
_CONFIG_KEYS = {"max_upload_mb": ("max_bytes", MIB), "max_bytes": ("max_bytes", 1),
                "max_rows": ("max_rows", 1), "max_cols": ("max_cols", 1),
                "max_cell_chars": ("max_cell_chars", 1), "max_cells": ("max_cells", 1),
                "max_uncompressed_mb": ("max_uncompressed_bytes", MIB),
                "max_uncompressed_bytes": ("max_uncompressed_bytes", 1),
                "max_parse_seconds": ("max_seconds", 1), "max_seconds": ("max_seconds", 1),
                "max_parse_memory_mb": ("max_memory_mb", 1), "max_memory_mb": ("max_memory_mb", 1)}


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * MIB                    # the uploaded file itself
    max_rows: int = 200_000                      # data rows (Excel rows / CSV records / GeoJSON features)
    max_cols: int = 256
    max_cell_chars: int = 32_767                 # Excel's own limit for one cell
    max_cells: int = 5_000_000                   # rows × columns of the area read from a sheet
    max_uncompressed_bytes: int = 200 * MIB      # XLSX: all zip members together, and all cell text
    max_seconds: float = 60                      # wall time of the isolated workbook parser
    max_memory_mb: int = 1024                    # address space of the isolated workbook parser

    @classmethod
    def from_config(cls, cfg: dict | None) -> Limits:
        """Limits from a config dict (``max_upload_mb``, ``max_rows``, ``max_cols``, ``max_cell_chars``,
        ``max_cells``, ``max_uncompressed_mb``, ``max_parse_seconds``, ``max_parse_memory_mb`` or the
        field names themselves); missing or None keys keep their defaults, unknown keys are ignored."""
        values: dict = {}
        for key, raw in (cfg or {}).items():
            if key not in _CONFIG_KEYS or raw is None or raw == "":
                continue
            name, factor = _CONFIG_KEYS[key]
            value = float(raw) * factor
            if value <= 0:
                raise ValueError(f"{key} must be positive, got {raw!r}")
            values[name] = value if name == "max_seconds" else int(value)
        return cls(**values)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Limits:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
