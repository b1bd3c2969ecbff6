"""What a probe's answer looks like on the way out of the student's kernel: JSON, arrays as ``.npy``.

A probe returns plain data: numbers, strings, lists, dicts and numpy arrays. ``encode`` turns it into
JSON-able values, with each array stored as a base64 ``.npy`` document (``np.save`` with
``allow_pickle=False``); ``decode`` turns it back in the grader with ``np.load(allow_pickle=False)``.
Nothing is ever unpickled, so a hostile kernel can send wrong data but never code.

Example:
    >>> import numpy as np
    >>> decode(encode({"shape": (2, 3), "x": np.arange(3)}))["x"].tolist()
    [0, 1, 2]
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

ARRAY_KEY = "__ndarray_npy__"
LARGEST_ANSWER = 32 * 2**20  # bytes of JSON a probe may send back


def encode(value: Any, *, depth: int = 0) -> Any:
    """``value`` as JSON-able data; arrays and numpy scalars become tagged ``.npy`` documents.

    Raises:
        TypeError: a value that is not plain data (a function, a model object...).
    """
    if depth > 64:
        raise TypeError("probe answers may nest at most 64 levels deep.")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, dict):
        return {str(key): encode(item, depth=depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item, depth=depth + 1) for item in value]
    if type(value).__module__ == "numpy" or hasattr(value, "__array__"):
        import numpy as np

        array = np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError(f"probe answers may hold numeric arrays only. Got dtype {array.dtype}.")
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return {ARRAY_KEY: base64.b64encode(buffer.getvalue()).decode("ascii")}
    raise TypeError(
        f"probe answers must be numbers, strings, lists, dicts or arrays. Got {type(value).__name__}."
    )


def decode(value: Any, *, depth: int = 0) -> Any:
    """The inverse of ``encode``, safe on hostile input (no pickle; malformed data raises ValueError)."""
    if depth > 64:
        raise ValueError("probe answer nests more than 64 levels deep.")
    if isinstance(value, list):
        return [decode(item, depth=depth + 1) for item in value]
    if isinstance(value, dict):
        if set(value) == {ARRAY_KEY} and isinstance(value[ARRAY_KEY], str):
            import numpy as np

            try:
                raw = base64.b64decode(value[ARRAY_KEY], validate=True)
                return np.load(io.BytesIO(raw), allow_pickle=False)
            except Exception as error:  # anything malformed is the kernel's fault, not ours
                raise ValueError(f"probe sent a malformed array ({error}).") from None
        if set(value) == {"__float__"} and value["__float__"] in ("nan", "inf", "-inf"):
            return float(value["__float__"])
        return {key: decode(item, depth=depth + 1) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"probe answer holds a {type(value).__name__}, which is not JSON data.")
