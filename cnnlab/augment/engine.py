"""The augmentation engine: random draws, one affine matrix per image, one resampling per batch.

Keras 2 resampled each image with scipy, one channel at a time, in a Python loop. Here every
geometric step of one image (rotation, shift, shear, zoom and the flips) is composed into a single
3x3 matrix, and the whole batch goes through one resampling op (`resample.affine_resample`, XLA
compiled, or ``ImageProjectiveTransformV3``), so the image is interpolated once and the work is
spread over the CPU cores.

Matrix convention (the one Keras 2's ``apply_transform`` uses, checked against it in the tests):
the matrix maps an output pixel ``(x, y) = (column, row)`` to the input pixel it samples, about the
image centre ``c = ((W - 1) / 2, (H - 1) / 2)``::

    input = c + R(theta) @ (T(tx, ty) + S(shear) @ Z(zx, zy) @ F(flips) @ (output - c))

so a positive ``tx`` moves the content left, a positive ``theta`` turns it counter-clockwise on
screen, and ``zx > 1`` shrinks it horizontally.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from cnnlab.augment.config import AugmentConfig, ShiftRange
from cnnlab.augment.resample import affine_resample, xla_available

# Columns of the (batch, 12) uniform draw, one per random quantity.
_THETA, _TX, _TX_SIGN, _TY, _TY_SIGN, _SHEAR, _ZX, _ZY, _FLIP_H, _FLIP_V, _CHANNEL, _BRIGHT = range(
    12
)
_IDENTITY = {"theta": 0.0, "tx": 0.0, "ty": 0.0, "shear": 0.0, "zx": 1.0, "zy": 1.0}


def _shift(spec: ShiftRange, value: tf.Tensor, sign: tf.Tensor, size: int) -> tf.Tensor:
    if spec.kind == "none":
        return tf.zeros_like(value)
    if spec.kind == "uniform":
        shift = (2.0 * value - 1.0) * spec.values[0]
    else:
        count = len(spec.values)
        index = tf.minimum(tf.cast(value * count, tf.int32), count - 1)
        shift = tf.gather(tf.constant(spec.values, tf.float32), index)
        shift *= tf.where(sign < 0.5, -1.0, 1.0)
    return shift * float(size) if spec.fraction else shift


def draw_parameters(
    config: AugmentConfig, seed: tf.Tensor, batch_size, height: int, width: int
) -> dict[str, tf.Tensor]:
    """Draw Keras 2's transform parameters for ``batch_size`` images from a stateless ``seed``.

    Distributions (as Keras 2): rotation and shear uniform in degrees; ``tx`` (horizontal, from
    ``width_shift_range``) and ``ty`` (vertical, from ``height_shift_range``) in pixels; ``zx`` and
    ``zy`` independent and uniform in ``zoom_range``; each flip with probability 1/2; one channel
    shift intensity and one brightness factor per image. Keys whose option is off are omitted
    for the colour steps (as Keras 2's ``None``).
    """
    draws = tf.random.stateless_uniform(tf.stack([batch_size, 12]), seed=seed)
    column = lambda index: draws[:, index]  # noqa: E731
    zeros = tf.zeros_like(column(0))
    lower, upper = config.zoom_range
    zoom = (lower, upper) != (1.0, 1.0)
    params = {
        "theta": (2.0 * column(_THETA) - 1.0) * config.rotation_range,
        "tx": _shift(config.width_shift, column(_TX), column(_TX_SIGN), width),
        "ty": _shift(config.height_shift, column(_TY), column(_TY_SIGN), height),
        "shear": (2.0 * column(_SHEAR) - 1.0) * config.shear_range,
        "zx": lower + (upper - lower) * column(_ZX) if zoom else zeros + 1.0,
        "zy": lower + (upper - lower) * column(_ZY) if zoom else zeros + 1.0,
        "flip_horizontal": (column(_FLIP_H) < 0.5) & config.horizontal_flip,
        "flip_vertical": (column(_FLIP_V) < 0.5) & config.vertical_flip,
    }
    if config.channel_shift_range:
        params["channel_shift_intensity"] = (
            2.0 * column(_CHANNEL) - 1.0
        ) * config.channel_shift_range
    if config.brightness_range is not None:
        low, high = config.brightness_range
        params["brightness"] = low + (high - low) * column(_BRIGHT)
    return params


def affine_transforms(params: dict[str, tf.Tensor], height: int, width: int) -> tf.Tensor:
    """The (batch, 8) projective-transform vectors ``[a0 a1 a2 b0 b1 b2 0 0]`` for the batch."""
    theta = params["theta"] * (np.pi / 180.0)
    shear = params["shear"] * (np.pi / 180.0)
    cos_t, sin_t = tf.cos(theta), tf.sin(theta)
    flip_x = tf.where(params["flip_horizontal"], -1.0, 1.0)
    flip_y = tf.where(params["flip_vertical"], -1.0, 1.0)
    # S @ Z @ F = [[a, b], [0, d]]
    a = params["zx"] * flip_x
    b = -tf.sin(shear) * params["zy"] * flip_y
    d = tf.cos(shear) * params["zy"] * flip_y
    # Linear part R @ S @ Z @ F and translation R @ (tx, ty).
    l00, l01 = cos_t * a, cos_t * b - sin_t * d
    l10, l11 = sin_t * a, sin_t * b + cos_t * d
    t0 = cos_t * params["tx"] - sin_t * params["ty"]
    t1 = sin_t * params["tx"] + cos_t * params["ty"]
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    o0 = cx + t0 - (l00 * cx + l01 * cy)
    o1 = cy + t1 - (l10 * cx + l11 * cy)
    zeros = tf.zeros_like(o0)
    return tf.stack([l00, l01, o0, l10, l11, o1, zeros, zeros], axis=1)


def transform_batch(
    images: tf.Tensor,
    params: dict[str, tf.Tensor],
    config: AugmentConfig,
    *,
    geometric: bool,
    use_xla: bool,
) -> tf.Tensor:
    """Apply the drawn transforms to float32 ``images`` (B, H, W, C) in Keras 2's order.

    Order: the affine resampling (flips included: flipping after the affine step equals one more
    factor in the matrix), then the channel shift (``x + i`` clipped to the image's own min/max),
    then brightness (``x * b`` clipped to [0, 255], or within the image's range when it is not
    in [0, 255], as Keras 2's PIL round trip did, without its rounding to integers).
    """
    height, width = int(images.shape[1]), int(images.shape[2])
    if geometric:
        images = affine_resample(
            images,
            affine_transforms(params, height, width),
            fill_mode=config.fill_mode,
            cval=config.cval,
            order=config.interpolation_order,
            use_xla=use_xla,
        )
    intensity = params.get("channel_shift_intensity")
    if intensity is not None:
        low = tf.reduce_min(images, axis=[1, 2, 3], keepdims=True)
        high = tf.reduce_max(images, axis=[1, 2, 3], keepdims=True)
        images = tf.clip_by_value(images + intensity[:, None, None, None], low, high)
    brightness = params.get("brightness")
    if brightness is not None:
        images = _brightness(images, brightness[:, None, None, None])
    return images


def _brightness(images: tf.Tensor, factor: tf.Tensor) -> tf.Tensor:
    colour = images[..., :3] if images.shape[-1] == 4 else images  # RGBA keeps its alpha
    low = tf.reduce_min(colour, axis=[1, 2, 3], keepdims=True)
    high = tf.reduce_max(colour, axis=[1, 2, 3], keepdims=True)
    in_range = (low >= 0.0) & (high <= 255.0)
    scaled = tf.where(
        in_range,
        tf.clip_by_value(colour * factor, 0.0, 255.0),
        low + tf.clip_by_value(factor * (colour - low), 0.0, high - low),
    )
    return tf.concat([scaled, images[..., 3:]], axis=-1) if images.shape[-1] == 4 else scaled


def _per_image(function, batch: np.ndarray) -> np.ndarray:
    outputs = [np.asarray(function(image), dtype=np.float32) for image in batch]
    for output in outputs:
        if output.shape != batch.shape[1:]:
            raise ValueError(
                f"`preprocessing_function` must return an image of the shape it was given "
                f"{batch.shape[1:]}. Got {output.shape}."
            )
    return np.stack(outputs) if outputs else batch


def standardize_batch(images: tf.Tensor, config: AugmentConfig) -> tf.Tensor:
    """Keras 2's ``standardize`` per image: preprocessing_function, rescale, samplewise, featurewise."""
    if config.preprocessing_function is not None:
        shape = images.shape
        function = config.preprocessing_function
        images = tf.numpy_function(lambda batch: _per_image(function, batch), [images], tf.float32)
        images = tf.ensure_shape(images, shape)
    if config.rescale:
        images = images * config.rescale
    if config.samplewise_center:
        images -= tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    if config.samplewise_std_normalization:
        images /= tf.math.reduce_std(images, axis=[1, 2, 3], keepdims=True) + 1e-6
    if config.featurewise_center:
        images -= tf.constant(config.mean, tf.float32)
    if config.featurewise_std_normalization:
        images /= tf.constant(config.std, tf.float32) + 1e-6
    return tf.cast(images, config.dtype)


def augment_batch(
    images: tf.Tensor, config: AugmentConfig, seed: tf.Tensor, *, use_xla: bool
) -> tf.Tensor:
    """Draw, transform and standardize one float32 batch (B, H, W, C); deterministic in ``seed``."""
    height, width = int(images.shape[1]), int(images.shape[2])
    params = draw_parameters(config, seed, tf.shape(images)[0], height, width)
    images = transform_batch(images, params, config, geometric=config.geometric, use_xla=use_xla)
    return standardize_batch(images, config)


def parameters_from_dict(values: dict) -> tuple[dict[str, tf.Tensor], bool]:
    """One image's Keras 2 parameter dict as batch-of-one tensors, and whether it moves pixels."""
    params = {k: tf.constant([values.get(k, v)], tf.float32) for k, v in _IDENTITY.items()}
    flips = [bool(values.get(k, False)) for k in ("flip_horizontal", "flip_vertical")]
    params["flip_horizontal"], params["flip_vertical"] = (tf.constant([f]) for f in flips)
    for key in ("channel_shift_intensity", "brightness"):
        if values.get(key) is not None:
            params[key] = tf.constant([values[key]], tf.float32)
    moves = any(values.get(k, v) != v for k, v in _IDENTITY.items()) or any(flips)
    return params, moves


def channel_statistics(
    images: np.ndarray, config: AugmentConfig, scale: float, *, rounds: int, seed: tf.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std of ``images * scale`` (N, H, W, C), in chunks, in float64.

    With ``rounds > 0`` the statistics come from that many randomly transformed copies
    (Keras 2's ``fit(x, augment=True, rounds=...)``), transformed after scaling as Keras 2 did.
    """
    total = np.zeros(images.shape[-1])
    squares = np.zeros(images.shape[-1])
    count = 0
    for round_index in range(max(rounds, 1)):
        for start in range(0, len(images), 64):
            chunk = tf.constant(images[start : start + 64], tf.float32) * scale
            if rounds:
                step = tf.random.experimental.stateless_fold_in(seed, round_index * 10**6 + start)
                height, width = int(chunk.shape[1]), int(chunk.shape[2])
                params = draw_parameters(config, step, tf.shape(chunk)[0], height, width)
                chunk = transform_batch(
                    chunk, params, config, geometric=config.geometric, use_xla=xla_available()
                )
            values = chunk.numpy().astype(np.float64)
            total += values.sum(axis=(0, 1, 2))
            squares += (values**2).sum(axis=(0, 1, 2))
            count += values.shape[0] * values.shape[1] * values.shape[2]
    mean = total / count
    return mean, np.sqrt(np.maximum(squares / count - mean**2, 0.0))
