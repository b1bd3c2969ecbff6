"""A matplotlib Figure that shows itself in Jupyter, with no pyplot state behind it.

cnnlab's pictures are made without ``matplotlib.pyplot``: pyplot keeps every figure open in a
global list (a loop of plots piles them up) and, in Jupyter, a pyplot figure returned as a cell's
value shows twice. A bare ``matplotlib.figure.Figure`` avoids both but shows as
``<Figure size ...>`` text unless pyplot was imported. This subclass renders itself to PNG
(``_repr_png_``), so a returned figure displays exactly once, whatever the student imported.

Example:
    >>> fig, ax = subplots(figsize=(3, 2))
    >>> fig._repr_png_()[:4]
    b'\\x89PNG'
"""

from __future__ import annotations

import io

import matplotlib.figure


class Figure(matplotlib.figure.Figure):
    """``matplotlib.figure.Figure`` plus a PNG representation for Jupyter."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def subplots(nrows: int = 1, ncols: int = 1, *, figsize=None, layout=None, **kwargs):
    """``plt.subplots`` without pyplot: returns ``(Figure, axes)`` as pyplot's would."""
    figure = Figure(figsize=figsize, layout=layout)
    return figure, figure.subplots(nrows, ncols, **kwargs)
