"""The layer table: one :class:`LayerRow` per layer call, totals, memory, text and HTML views.

The conventions behind every number are in the docstring of :mod:`cnnlab.inspect`.

Example:
    >>> format_bytes(553_430_176)
    '553.4 MB'
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

BYTES_PER_VALUE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}
# Values held per weight during training: weights, gradients, optimizer slots (see module doc).
OPTIMIZER_MULTIPLIERS = {"sgd": 2, "sgd_momentum": 3, "adam": 4}


@dataclass(frozen=True)
class LayerRow:
    """One layer (or one call of a shared layer) of a :class:`LayerTable`.

    ``output_shape`` is per image (no batch axis); ``receptive_field`` and ``jump`` have one entry
    per spatial axis, or are ``None`` where they do not apply (``jump`` after global pooling) or
    cannot be tracked (after up-sampling or transposed convolutions).
    """

    name: str
    type: str
    output_shape: tuple
    activations: int
    params: int
    trainable_params: int
    flops: int
    receptive_field: tuple[int, ...] | None
    jump: tuple[int, ...] | None
    note: str = ""


@dataclass
class LayerTable:
    """What :func:`layer_table` returns: ``rows`` plus totals, printable and notebook-friendly."""

    model_name: str
    rows: list[LayerRow]
    batch_size: int = 1
    dtype: str = "float32"
    geometry_issues: list[str] = field(default_factory=list)

    @property
    def total_params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def total_trainable_params(self) -> int:
        return sum(row.trainable_params for row in self.rows)

    @property
    def total_activations(self) -> int:
        """Activation values per image, input included (views not counted again)."""
        return sum(row.activations for row in self.rows)

    @property
    def total_flops(self) -> int:
        """Multiply-adds per image (one multiply-add = one FLOP)."""
        return sum(row.flops for row in self.rows)

    @property
    def bytes_per_value(self) -> int:
        return BYTES_PER_VALUE[self.dtype]

    @property
    def memory(self) -> dict[str, int]:
        """Bytes: activations for ``batch_size`` images (forward, training) and weights per optimizer."""
        size, params = self.bytes_per_value, self.total_params
        forward = self.total_activations * self.batch_size * size
        memory = {"activations_forward": forward, "activations_training": 2 * forward}
        memory["parameters"] = params * size
        for optimizer, multiplier in OPTIMIZER_MULTIPLIERS.items():
            extra = (multiplier - 1) * self.total_trainable_params
            memory[f"training_{optimizer}"] = (params + extra) * size
        return memory

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        header = ["Layer", "Type", "Output shape", "Activations", "Params", "FLOPs (MACs)",
                  "RF", "Jump", "Note"]  # fmt: skip
        body = [
            [row.name, row.type, format_shape(row.output_shape), f"{row.activations:,}",
             f"{row.params:,}", f"{row.flops:,}", format_axes(row.receptive_field), format_axes(row.jump),
             row.note]
            for row in self.rows
        ]  # fmt: skip
        return header, body

    def _totals(self) -> list[str]:
        memory, size, mb = self.memory, self.bytes_per_value, format_bytes
        lines = [
            f"Parameters: {self.total_params:,} (trainable {self.total_trainable_params:,}) "
            f"x {size} B = {mb(memory['parameters'])}; for training with plain SGD "
            f"(x2: weights + gradients) {mb(memory['training_sgd'])}, SGD with momentum "
            f"(x3: + velocity) {mb(memory['training_sgd_momentum'])}, Adam "
            f"(x4: + two moments) {mb(memory['training_adam'])}.",
            f"Activations: {self.total_activations:,} values per image, input included; "
            f"x {size} B x batch {self.batch_size} = {mb(memory['activations_forward'])} "
            f"forward, {mb(memory['activations_training'])} with the backward pass (x2).",
            f"FLOPs: {self.total_flops:,} multiply-adds per image "
            f"({self.total_flops / 1e9:.2f} G, one multiply-add = one FLOP).",
        ]
        issues = [f"Non-integer geometry, floored by Keras: {i}" for i in self.geometry_issues]
        return lines + issues

    def __str__(self) -> str:
        header, body = self._cells()
        title = f'Model "{self.model_name}" ({self.dtype}, batch_size={self.batch_size})'
        table = format_text_table(header, body, right={3, 4, 5})
        return "\n".join([title, table, *self._totals()])

    def _repr_html_(self) -> str:
        header, body = self._cells()
        totals = "".join(f"<p>{html.escape(line)}</p>" for line in self._totals())
        title = f"<p><b>{html.escape(self.model_name)}</b></p>"
        return title + format_html_table(header, body) + totals


def format_text_table(header: list[str], body: list[list[str]], *, right=frozenset()) -> str:
    """Columns padded to their widest cell; columns in ``right`` right-aligned in the body."""
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = []
    for cells in [header, *body]:
        padded = [
            cell.rjust(width) if i in right and cells is not header else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def format_html_table(header: list[str], body: list[list[str]]) -> str:
    """A plain HTML table, every cell escaped."""
    rows = [("th", header), *(("td", cells) for cells in body)]
    return (
        "<table>"
        + "".join(
            "<tr>" + "".join(f"<{tag}>{html.escape(cell)}</{tag}>" for cell in cells) + "</tr>"
            for tag, cells in rows
        )
        + "</table>"
    )


def format_shape(shape: tuple) -> str:
    if shape and isinstance(shape[0], tuple):
        return ", ".join(format_shape(s) for s in shape)
    return "x".join(str(size) for size in shape)


def format_axes(values: tuple[int, ...] | None) -> str:
    if values is None:
        return "-"
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


def format_bytes(size: int) -> str:
    """Bytes in decimal units (1 MB = 10**6 bytes), one decimal."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


__all__ = [
    "BYTES_PER_VALUE",
    "OPTIMIZER_MULTIPLIERS",
    "LayerRow",
    "LayerTable",
    "format_axes",
    "format_bytes",
    "format_html_table",
    "format_shape",
    "format_text_table",
]
