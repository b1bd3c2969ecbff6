"""Hand-made kernels: the classic image filters, the slides' 5 x 5 example, and Keras layers using them.

Every kernel is written the way ``keras.layers.Conv2D`` applies it (cross-correlation, no flip):
``sobel_x`` responds positively where the image gets brighter to the right, ``sobel_y`` where it
gets brighter downwards.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from cnnlab.conv.convolution import numeric_array

__all__ = ["KERNELS", "fixed_conv2d", "sample_image_5x5"]


def _kernel(rows, scale: float = 1.0) -> np.ndarray:
    kernel = np.asarray(rows, dtype=np.float32) * np.float32(scale)
    kernel.flags.writeable = False  # shared by every user of KERNELS
    return kernel


_BINOMIAL_5 = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1])

#: Named 3 x 3 and 5 x 5 kernels (read-only float32 arrays), in Keras' cross-correlation orientation.
KERNELS: MappingProxyType[str, np.ndarray] = MappingProxyType(
    {
        "identity": _kernel([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
        "box_blur": _kernel(np.ones((3, 3)), 1 / 9),
        "box_blur_5x5": _kernel(np.ones((5, 5)), 1 / 25),
        "gaussian_blur": _kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16),
        "gaussian_blur_5x5": _kernel(_BINOMIAL_5, 1 / 256),
        "sharpen": _kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        "laplacian": _kernel([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
        "edge": _kernel([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        "sobel_x": _kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        "sobel_y": _kernel([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
        "prewitt_x": _kernel([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
        "prewitt_y": _kernel([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
        "emboss": _kernel([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
    }
)

# Keras arguments that fixed_conv2d derives from the kernel itself.
_DERIVED = (
    "filters", "kernel_size", "use_bias", "kernel_initializer", "bias_initializer", "trainable",
)  # fmt: skip


def sample_image_5x5() -> tuple[np.ndarray, np.ndarray]:
    """The slides' worked example: a 5 x 5 image and a 3 x 3 kernel (fresh float32 copies).

    ``conv2d(image, kernel)`` gives ``[[12, 12, 17], [10, 17, 19], [9, 6, 14]]``: each value is the
    sum of the 3 x 3 patch times the kernel, e.g. the top-left one is
    ``3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12``.

    Returns:
        ``(image, kernel)`` with shapes ``(5, 5)`` and ``(3, 3)``.

    Example:
        >>> image, kernel = sample_image_5x5()
        >>> image.shape, kernel.shape
        ((5, 5), (3, 3))
    """
    image = np.array(
        [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]],
        dtype=np.float32,
    )
    kernel = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=np.float32)
    return image, kernel


def fixed_conv2d(
    kernel: np.ndarray | str, *, bias: np.ndarray | float | None = None, **conv2d_kwargs: Any
):
    """A non-trainable ``keras.layers.Conv2D`` whose weights are exactly ``kernel`` (and ``bias``).

    The layer is built for the kernel's input channels and frozen, so it computes the same as
    ``conv2d(x, kernel, ...)`` and can sit in a model as a fixed filter (blur, edges, ...).

    Args:
        kernel: a name in ``KERNELS``, or ``(kh, kw)`` (one channel in, one filter), ``(kh, kw,
            C_in)`` (one filter) or ``(kh, kw, C_in, C_out)``.
        bias: ``None`` for no bias, or a scalar / one value per filter.
        **conv2d_kwargs: other ``keras.layers.Conv2D`` arguments (``strides``, ``padding``,
            ``dilation_rate``, ``activation``, ``name``...); ``filters``, ``kernel_size``,
            ``use_bias``, the initializers and ``trainable`` are set here.

    Returns:
        A built ``keras.layers.Conv2D`` with ``trainable=False`` taking ``(N, H, W, C_in)`` (or
        ``(N, C_in, H, W)`` with ``data_format="channels_first"``).

    Raises:
        ValueError: unknown kernel name, bad kernel/bias shape, ``padding`` other than
            ``"valid"``/``"same"``, or an argument derived from the kernel passed in
            ``conv2d_kwargs`` (Keras validates the others).
        TypeError: non-numeric ``kernel`` or ``bias``.

    Example:
        >>> layer = fixed_conv2d("sobel_x", padding="same")
        >>> layer(np.zeros((1, 28, 28, 1), "float32")).shape
        TensorShape([1, 28, 28, 1])
    """
    if isinstance(kernel, str):
        if kernel not in KERNELS:
            raise ValueError(
                f"`kernel` must be an array or one of {sorted(KERNELS)}. Got {kernel!r}."
            )
        kernel = KERNELS[kernel]
    k = numeric_array(kernel, "kernel")
    if k.ndim not in (2, 3, 4) or 0 in k.shape:
        raise ValueError(
            "`kernel` must have shape (kh, kw), (kh, kw, C_in) or (kh, kw, C_in, C_out) with "
            f"positive sizes. Got shape {k.shape}."
        )
    k = k.reshape(k.shape + (1,) * (4 - k.ndim))
    derived = sorted(set(_DERIVED) & set(conv2d_kwargs))
    if derived:
        raise ValueError(
            f"`{derived[0]}` must not be given: fixed_conv2d derives it from `kernel` and `bias` "
            f"and freezes the layer. Got {derived[0]}={conv2d_kwargs[derived[0]]!r}."
        )
    padding = conv2d_kwargs.get("padding", "valid")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(
            '`padding` must be "valid" or "same" for a Keras Conv2D (put a '
            f"keras.layers.ZeroPadding2D in front for explicit zeros). Got {padding!r}."
        )
    weights = [k]
    if bias is not None:
        b = numeric_array(bias, "bias")
        if b.shape not in ((), (k.shape[-1],)):
            raise ValueError(
                f"`bias` must be a scalar or have shape ({k.shape[-1]},), one value per filter. "
                f"Got shape {b.shape}."
            )
        weights.append(np.broadcast_to(b, (k.shape[-1],)))
    import keras  # imported here so that `import cnnlab.conv` stays free of TensorFlow

    layer = keras.layers.Conv2D(
        filters=k.shape[-1],
        kernel_size=k.shape[:2],
        use_bias=bias is not None,
        **conv2d_kwargs,
    )
    channels_first = layer.data_format == "channels_first"
    layer.build(
        (None, k.shape[2], None, None) if channels_first else (None, None, None, k.shape[2])
    )
    layer.set_weights([np.asarray(w, dtype=layer.kernel.dtype) for w in weights])
    layer.trainable = False
    return layer
