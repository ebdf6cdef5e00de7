"""Column work done once per distinct value, and texts read as numbers: a list of 1,000,000 rows names a few
dozen towns, sectors and years, and pandas makes a Python object of each cell it converts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def spread(which: np.ndarray, results, index: pd.Index) -> pd.Series:
    """``results`` (one per distinct value, in ``pd.factorize`` order) back onto the rows; code −1 (a missing
    value) gives None. A result repeated for a million rows stays one Python object."""
    return pd.Series(np.array([*results, None], dtype=object)[which], index=index, dtype=object)


def lookup(values: pd.Series, table) -> pd.Series:
    """``values`` through ``table`` (a dict or a function) once per distinct value; a missing value or key: None."""
    which, distinct = pd.factorize(values)
    get = table.get if isinstance(table, dict) else table
    return spread(which, (get(v) for v in distinct), values.index)


def shared_texts(values: pd.Series) -> pd.Series:
    """Texts as Python objects, one per distinct value (missing: None): a town's name repeated for 1,000,000
    projects is one string, not a million (280 MB of the 660 MB an import of 1,000,000 rows kept)."""
    return lookup(values, lambda v: v)


def to_floats(text: pd.Series) -> pd.Series:
    """Texts as numbers (NaN: blank or not a number), as ``pd.to_numeric(errors="coerce")`` reads them. Arrow
    casts a clean column at once; pandas made a Python object of each of 1,000,000 cells (1 s a column). A
    column with any text Arrow cannot read goes the pandas way."""
    arr = pa.array(text, type=pa.string(), from_pandas=True)
    try:
        out = pc.cast(pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(text, errors="coerce").astype(float)
    return pd.Series(out.to_numpy(zero_copy_only=False), index=text.index, dtype=float)
