"""Checks of lab 00 (warm-up). Each probe returns plain data; the grader compares it with the solution's.

Hidden checks (``hidden=True``) use inputs the students never see; ``cnnlab release --dist`` leaves
them out of the students' copy.
"""

import numpy as np

from cnnlab.grading.checks import probe


def random_image(seed, shape, *, integers=False):
    """A reproducible test image (uint8 when ``integers``, else floats in [0, 1))."""
    generator = np.random.default_rng(seed)
    if integers:
        return generator.integers(0, 256, size=shape, dtype=np.uint8)
    return generator.random(shape)


def shape_hint(expected, got):
    """Name the shape mistake when the values have the wrong shape."""
    got_shape = np.shape(got)
    if got_shape != np.shape(expected):
        return f"The result should have shape {np.shape(expected)}, yours has {got_shape}."
    return None


@probe("q1", points=1, message="Divide the uint8 values by 255 so 0 -> 0.0 and 255 -> 1.0.")
def q1_known_values(namespace):
    return namespace["normalize"](np.array([[0, 51, 255]], dtype=np.uint8))




@probe(
    "q2",
    points=1,
    message="Weight the channels 0.2125, 0.7154, 0.0721 and sum over the last axis.",
    hint=shape_hint,
)
def q2_astronaut(namespace):
    from skimage import data

    return namespace["to_grayscale"](data.astronaut()[:8, :8] / 255.0)




@probe(
    "q3",
    points=1,
    compare="exact",
    message="A valid convolution of (H, W) with (F, G) is (H - F + 1, W - G + 1).",
)
def q3_output_shape(namespace):
    return list(np.shape(namespace["conv2d"](np.ones((7, 9)), np.ones((3, 2)))))


@probe(
    "q3",
    points=1,
    message="Do not flip the kernel: Conv2D computes a cross-correlation.",
    hint=shape_hint,
)
def q3_ramp(namespace):
    image = np.arange(30, dtype=float).reshape(5, 6)
    return namespace["conv2d"](image, np.array([[1.0, 2.0], [0.0, -1.0]]))




@probe("q4", points=1, compare="exact", message="`output_width` must be an int.")
def q4_is_int(namespace):
    return type(namespace["output_width"]).__name__


