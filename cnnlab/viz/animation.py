"""Animated convolution and pooling arithmetic, for any geometry (after V. Dumoulin's conv_arithmetic).

The input (one panel per channel, zero padding drawn as a dashed ring) and the output map are
grids of cells; each frame moves the kernel window to the next output position and fills that
output cell. The output size comes from ``cnnlab.conv.output_size`` and the numbers from
``cnnlab.conv``, so the picture, the formula and the computation cannot disagree.

Example:
    >>> anim = animate_convolution(5, 3, stride=2, padding=1)
    >>> anim.output_shape, anim.frame_count
    ((3, 3), 9)
    >>> anim.save("conv.gif")  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from cnnlab.conv import avg_pool2d, conv2d, max_pool2d, output_size
from cnnlab.figure import Figure, subplots

_INPUT, _PAD, _WINDOW = "#dbe9f6", "#ffffff", "#2b7bba"
_OUTPUT_EMPTY, _OUTPUT_DONE, _OUTPUT_NOW = "#f2f2f2", "#9fd3a6", "#2e8b57"


def _pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair
    ):
        raise ValueError(f"`{name}` must be an int or a pair of ints. Got {value!r}.")
    return int(pair[0]), int(pair[1])


def _short(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


class _Grid:
    """A grid of square cells drawn in one Axes, with optional numbers."""

    def __init__(
        self,
        ax,
        rows: int,
        cols: int,
        *,
        offset=(0, 0),
        numbers=None,
        pad=(0, 0),
        title="",
        subscripts=False,
    ):
        self.rows, self.cols, self.pad = rows, cols, pad
        self.cells, self.texts, self.subscripts = {}, {}, {}
        for r in range(rows):
            for c in range(cols):
                is_pad = not (pad[0] <= r < rows - pad[0] and pad[1] <= c < cols - pad[1])
                rect = Rectangle(
                    (offset[1] + c, -(offset[0] + r) - 1),
                    1,
                    1,
                    facecolor=_PAD if is_pad else _INPUT,
                    edgecolor="#999999" if is_pad else "#555555",
                    linestyle="--" if is_pad else "-",
                    linewidth=0.8,
                )
                ax.add_patch(rect)
                self.cells[r, c] = rect
                if numbers is not None:
                    value = numbers[r, c]
                    text = ax.text(
                        offset[1] + c + 0.5,
                        -(offset[0] + r) - 0.5,
                        f"{value:g}",
                        ha="center",
                        va="center",
                        fontsize=8 if max(rows, cols) <= 9 else 6,
                    )
                    self.texts[r, c] = text
                if subscripts:  # the kernel weight under the window, as the slides write it
                    self.subscripts[r, c] = ax.text(
                        offset[1] + c + 0.93,
                        -(offset[0] + r) - 0.93,
                        "",
                        ha="right",
                        va="bottom",
                        fontsize=6,
                        color="#ffd84d",
                        visible=False,
                    )
        if title:
            ax.text(
                offset[1] + cols / 2, -offset[0] + 0.4, title, ha="center", va="bottom", fontsize=9
            )


class _Picture:
    """The figure of one sliding-window computation: input panels, output grid, window state."""

    def __init__(
        self,
        *,
        inputs,
        output,
        kernel_size,
        stride,
        dilation,
        padding,
        title,
        show_numbers,
        kernel=None,
    ):
        self.inputs, self.output = inputs, output  # inputs padded: (H + 2P, W + 2P, C)
        self.kernel = kernel  # (kh, kw, C) for a convolution, None for pooling
        self.kernel_size, self.stride, self.dilation = kernel_size, stride, dilation
        out_h, out_w = output.shape
        height, width, channels = inputs.shape
        panels = channels + 1
        self.figure, axes = subplots(
            1,
            panels,
            figsize=(2.2 + 2.0 * panels, 2.9),
            gridspec_kw={"width_ratios": [width] * channels + [max(out_w, 2)]},
        )
        axes = np.atleast_1d(axes)
        self.input_grids = []
        for c in range(channels):
            numbers = inputs[:, :, c] if show_numbers else None
            name = "input" if channels == 1 else f"input channel {c}"
            self.input_grids.append(
                _Grid(
                    axes[c],
                    height,
                    width,
                    numbers=numbers,
                    pad=padding,
                    title=name,
                    subscripts=show_numbers and kernel is not None,
                )
            )
        self.output_grid = _Grid(
            axes[-1],
            out_h,
            out_w,
            numbers=output if show_numbers else None,
            title=f"output {out_h}x{out_w}",
        )
        for grid, ax in [
            *zip(self.input_grids, axes[:-1], strict=True),
            (self.output_grid, axes[-1]),
        ]:
            ax.set_xlim(-0.2, grid.cols + 0.2)
            ax.set_ylim(-grid.rows - 0.2, 1.2)
            ax.set_aspect("equal")
            ax.axis("off")
        self.figure.suptitle(title, fontsize=10)
        self.frame_count = out_h * out_w
        self.state(0, filled=0)

    def window(self, index: int) -> list[tuple[int, int]]:
        """Input cells (in padded coordinates) read for output position ``index``."""
        out_w = self.output.shape[1]
        i, j = divmod(index, out_w)
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.stride, self.dilation
        return [(i * sh + a * dh, j * sw + b * dw) for a in range(kh) for b in range(kw)]

    def state(self, index: int, *, filled: int) -> list:
        """Draw the window at output position ``index`` with output cells [0, filled) shown."""
        kernel_width = self.kernel_size[1]
        window = {cell: divmod(n, kernel_width) for n, cell in enumerate(self.window(index))}
        changed = []
        for channel, grid in enumerate(self.input_grids):
            for (r, c), rect in grid.cells.items():
                is_pad = rect.get_linestyle() == "--"
                base = _PAD if is_pad else _INPUT
                rect.set_facecolor(_WINDOW if (r, c) in window else base)
                rect.set_alpha(0.85 if (r, c) in window else 1.0)
                changed.append(rect)
                subscript = grid.subscripts.get((r, c))
                if subscript is not None:
                    inside = (r, c) in window
                    if inside:
                        a, b = window[r, c]
                        subscript.set_text(f"{self.kernel[a, b, channel]:g}")
                    subscript.set_visible(inside)
                    changed.append(subscript)
        out_w = self.output.shape[1]
        for (r, c), rect in self.output_grid.cells.items():
            k = r * out_w + c
            colour = (
                _OUTPUT_NOW
                if k == index and k < filled
                else _OUTPUT_DONE
                if k < filled
                else _OUTPUT_EMPTY
            )
            rect.set_facecolor(colour)
            changed.append(rect)
            if (r, c) in self.output_grid.texts:
                self.output_grid.texts[r, c].set_visible(k < filled)
                changed.append(self.output_grid.texts[r, c])
        return changed

    def filled_cells(self) -> int:
        """How many output cells are currently drawn as computed."""
        return sum(
            rect.get_facecolor()[:3] != to_rgb(_OUTPUT_EMPTY)
            for rect in self.output_grid.cells.values()
        )


class SlidingWindowAnimation:
    """One frame per output position: the window moves, the output map fills in.

    In Jupyter the object plays inline as its cell's value (``_repr_html_``); ``save("x.gif")``
    writes a GIF with Pillow (no ffmpeg needed); ``to_jshtml()`` gives the player's HTML. The
    matplotlib ``FuncAnimation`` behind it (``.animation``) is only made when one of these is
    used, so computing the picture's numbers alone leaves no timer and no warning behind.

    Attributes: ``output`` (the output map), ``output_shape``, ``frame_count``, ``figure``.
    """

    def __init__(self, picture: _Picture, interval: int):
        self.picture = picture
        self.output = picture.output
        self.output_shape = picture.output.shape
        self.frame_count = picture.frame_count
        self.figure = picture.figure
        self.interval = interval
        self._animation = None

    def show_frame(self, index: int) -> list:
        """Draw frame ``index``: window at output position ``index``, cells 0..index filled."""
        if not isinstance(index, (int, np.integer)) or not 0 <= index < self.frame_count:
            raise ValueError(
                f"`index` must be an int in [0, {self.frame_count - 1}]. Got {index!r}."
            )
        return self.picture.state(index, filled=index + 1)

    @property
    def animation(self) -> FuncAnimation:
        if self._animation is None:
            self._animation = FuncAnimation(
                self.figure,
                self.show_frame,
                frames=self.frame_count,
                interval=self.interval,
                repeat=True,
                cache_frame_data=False,
            )
        return self._animation

    def save(self, filename, writer=None, **kwargs) -> None:
        """Save the animation; GIFs use Pillow unless another ``writer`` is named."""
        if writer is None and str(filename).lower().endswith(".gif"):
            writer = "pillow"
        self.animation.save(filename, writer=writer, **kwargs)

    def to_jshtml(self, **kwargs) -> str:
        """HTML with a JavaScript player (what Jupyter shows)."""
        return self.animation.to_jshtml(**kwargs)

    def _repr_html_(self) -> str:
        return self.to_jshtml()


def _prepare_convolution(
    input_size, kernel_size, stride, padding, dilation, channels, values, kernel, rng_seed
):
    (height, width), (kh, kw) = _pair(input_size, "input_size"), _pair(kernel_size, "kernel_size")
    stride, padding, dilation = (
        _pair(stride, "stride"),
        _pair(padding, "padding"),
        _pair(dilation, "dilation"),
    )
    if not isinstance(channels, (int, np.integer)) or channels < 1:
        raise ValueError(f"`channels` must be a positive int. Got {channels!r}.")
    out_h, out_w = output_size(
        (height, width), (kh, kw), stride=stride, padding=padding, dilation=dilation
    )
    rng = np.random.default_rng(rng_seed)
    if values is None:
        values = rng.integers(0, 4, size=(height, width, channels)).astype(float)
    values = np.asarray(values, dtype=float)
    if values.ndim == 2:
        values = values[:, :, None]
    if values.shape != (height, width, channels):
        raise ValueError(
            f"`values` must have shape {(height, width, channels)} (input_size and channels). Got {values.shape}."
        )
    if kernel is None:
        kernel = rng.integers(0, 3, size=(kh, kw, channels)).astype(float)
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim == 2:
        kernel = kernel[:, :, None]
    if kernel.shape != (kh, kw, channels):
        raise ValueError(
            f"`kernel` must have shape {(kh, kw, channels)} (kernel_size and channels). Got {kernel.shape}."
        )
    pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    output = conv2d(values, kernel, stride=stride, padding=pads, dilation=dilation)
    output = np.asarray(output).reshape(out_h, out_w)
    padded = np.pad(values, (pads[0], pads[1], (0, 0)))
    return padded, kernel, output, (kh, kw), stride, dilation, padding


def _convolution_picture(
    input_size,
    kernel_size,
    *,
    stride=1,
    padding=0,
    dilation=1,
    channels=1,
    values=None,
    kernel=None,
    show_numbers=None,
    seed=0,
) -> _Picture:
    padded, kernel, output, ksize, stride, dilation, padding = _prepare_convolution(
        input_size, kernel_size, stride, padding, dilation, channels, values, kernel, seed
    )
    if show_numbers is None:
        show_numbers = max(padded.shape[:2]) <= 9
    title = (
        f"{ksize[0]}x{ksize[1]} kernel, stride {_short(stride)}, padding {_short(padding)}, "
        f"dilation {_short(dilation)}: output {output.shape[0]}x{output.shape[1]}"
    )
    return _Picture(
        inputs=padded,
        output=output,
        kernel=kernel,
        kernel_size=ksize,
        stride=stride,
        dilation=dilation,
        padding=padding,
        title=title,
        show_numbers=show_numbers,
    )


def animate_convolution(
    input_size=5,
    kernel_size=3,
    *,
    stride=1,
    padding=0,
    dilation=1,
    channels: int = 1,
    values=None,
    kernel=None,
    show_numbers: bool | None = None,
    interval: int = 700,
    seed: int = 0,
) -> SlidingWindowAnimation:
    """Animate a 2-D convolution (cross-correlation, as Keras computes it), one frame per output cell.

    Args:
        input_size, kernel_size, stride, padding, dilation: ints or (rows, cols) pairs; padding is
            zeros on both sides.
        channels: input channels; the window covers the same place in every channel and the
            output cell is the sum over channels (one filter).
        values: the input (H, W) or (H, W, C); default small random integers (``seed``).
        kernel: the kernel (kh, kw) or (kh, kw, C); default small random integers.
        show_numbers: write values in the cells (default: when the padded input is at most 9 wide).
        interval: milliseconds between frames.

    Returns:
        A ``SlidingWindowAnimation``: ``.save("conv.gif")``, ``.to_jshtml()`` in Jupyter.

    Raises:
        ValueError: impossible geometry (from ``cnnlab.conv.output_size``, with the formula) or
            values/kernel of the wrong shape.
    """
    picture = _convolution_picture(
        input_size,
        kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        channels=channels,
        values=values,
        kernel=kernel,
        show_numbers=show_numbers,
        seed=seed,
    )
    return SlidingWindowAnimation(picture, interval)


def convolution_diagram(input_size=5, kernel_size=3, *, position: int = 0, **kwargs) -> Figure:
    """A still for print: the window at output ``position`` and the whole output filled in.

    Takes the same keyword arguments as ``animate_convolution`` (except ``interval``).
    ``fig.cnnlab_output`` holds the output map.
    """
    picture = _convolution_picture(input_size, kernel_size, **kwargs)
    if not 0 <= position < picture.frame_count:
        raise ValueError(f"`position` must be in [0, {picture.frame_count - 1}]. Got {position}.")
    picture.state(position, filled=picture.frame_count)
    picture.figure.cnnlab_output = picture.output
    return picture.figure


def animate_pooling(
    input_size=4,
    pool_size=2,
    *,
    stride=None,
    values=None,
    mode: str = "max",
    show_numbers: bool | None = None,
    interval: int = 700,
    seed: int = 0,
) -> SlidingWindowAnimation:
    """Animate max or average pooling (no padding), one frame per output cell.

    ``stride`` defaults to ``pool_size`` as in Keras. Values default to small random integers.
    """
    if mode not in ("max", "average"):
        raise ValueError(f"`mode` must be 'max' or 'average'. Got {mode!r}.")
    height, width = _pair(input_size, "input_size")
    pool = _pair(pool_size, "pool_size")
    strides = pool if stride is None else _pair(stride, "stride")
    out_h, out_w = output_size((height, width), pool, stride=strides)
    if values is None:
        values = np.random.default_rng(seed).integers(0, 10, size=(height, width)).astype(float)
    values = np.asarray(values, dtype=float)
    if values.shape != (height, width):
        raise ValueError(
            f"`values` must have shape {(height, width)} (input_size). Got {values.shape}."
        )
    pooling = max_pool2d if mode == "max" else avg_pool2d
    output = np.asarray(pooling(values[:, :, None], pool, stride=strides)).reshape(out_h, out_w)
    if show_numbers is None:
        show_numbers = max(height, width) <= 9
    picture = _Picture(
        inputs=values[:, :, None],
        output=output,
        kernel_size=pool,
        stride=strides,
        dilation=(1, 1),
        padding=(0, 0),
        title=f"{mode} pooling {pool[0]}x{pool[1]}, stride {_short(strides)}: output {out_h}x{out_w}",
        show_numbers=show_numbers,
    )
    return SlidingWindowAnimation(picture, interval)
