"""Checks of lab 01 (convolutions). Each probe returns plain data; the grader compares it with the solution's.

Hidden checks (``hidden=True``) call the student's code on inputs the students never see (other
shapes, non-square and multi-channel cases); ``cnnlab release --dist`` leaves them out of the
students' copy. Hints recompute the usual mistakes with ``cnnlab.conv`` (a flipped kernel, padding
forgotten or on one side only, the stride ignored) and name the one the answer matches.
"""

import numpy as np

from cnnlab.conv import conv2d as reference_conv2d
from cnnlab.conv import output_size
from cnnlab.grading.checks import probe


def random_array(seed, shape, *, low=-1.0, high=1.0):
    """A reproducible float array with values in [low, high)."""
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def photo_grey(size):
    """The top-left ``size`` x ``size`` of the coffee photo as uint8 luminance."""
    from cnnlab.data import sample_image

    rgb = sample_image("coffee")[:size, :size]
    return np.round(rgb @ np.array([0.2125, 0.7154, 0.0721])).astype(np.uint8)


def as_array(value):
    """Keras tensors and lists as a numpy array (what the grader compares)."""
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value))


def apply_layer(layer, image):
    """Run a Conv2D-like layer on a 2-D image; returns the 2-D output and the layer's class."""
    batch = np.asarray(image, dtype="float32")[None, :, :, None]
    output = as_array(layer(batch))
    return {"class": type(layer).__name__, "output": output.reshape(output.shape[1:3])}


# ---------------------------------------------------------------- q1 grey levels and contrast
def q1_answers(namespace, image):
    stretched = np.asarray(namespace["stretch_contrast"](image.copy()))
    return {
        "levels": plain_int(namespace["grey_levels"](image.copy())),
        "stretched": stretched,
        "dtype": str(stretched.dtype),
    }


def stretch_hint(expected, got):
    """Name the contrast-stretching mistake."""
    if not isinstance(got, dict) or "stretched" not in got:
        return None
    if got.get("levels") != expected["levels"]:
        return "`grey_levels` should count the distinct values (np.unique), as an int."
    values = np.asarray(got["stretched"], dtype=float)
    if values.shape != np.shape(expected["stretched"]):
        return f"`stretch_contrast` must keep the shape {np.shape(expected['stretched'])}."
    if got["dtype"] != "float32":
        return f"`stretch_contrast` must return float32, yours returns {got['dtype']}."
    if values.size and values.max() > 1 + 1e-6:
        return "Values above 1: divide by (max - min) of the image, not by 255."
    if values.size and abs(values.min()) > 1e-6 and np.ptp(np.asarray(expected["stretched"])) > 0:
        return "The darkest value should become 0: subtract the image's minimum first."
    if np.ptp(np.asarray(expected["stretched"])) == 0:
        return "A constant image has no contrast to stretch: return zeros (avoid dividing by 0)."
    return "Compute in float: uint8 arithmetic wraps around (np.uint8(10) - np.uint8(20) is 246)."


@probe(
    "q1",
    points=1,
    message="Count distinct values with np.unique; stretch with (x - min) / (max - min) in float32.",
    hint=stretch_hint,
)
def q1_dark_photo(namespace):
    return q1_answers(namespace, photo_grey(24) // 4 + 20)






# ---------------------------------------------------------------- q2 conv2d
def conv_case(seed, image_shape, kernel_shape):
    """A reproducible (image, kernel) pair for the conv2d checks."""
    return random_array(seed, image_shape), random_array(seed + 1, kernel_shape)


def conv_hint(image, kernel, stride, padding):
    """A hint that recognises the usual conv2d mistakes on this input."""

    def hint(expected, got):
        got = np.asarray(got, dtype=float) if not isinstance(got, dict) else None
        if got is None:
            return "`conv2d` must return an array of shape (H_out, W_out, C_out)."
        height, width = image.shape[:2]
        rows, cols = kernel.shape[:2]
        want = np.shape(expected)
        if got.shape != want:
            no_pad = (
                output_size(height, rows, stride=stride),
                output_size(width, cols, stride=stride),
            )
            one_side = (
                (height - rows + padding) // stride + 1,
                (width - cols + padding) // stride + 1,
            )
            no_stride = (height - rows + 2 * padding + 1, width - cols + 2 * padding + 1)
            if got.shape[:2] == no_pad and padding:
                return (
                    f"Your output is {want[0] - no_pad[0]} row(s) and {want[1] - no_pad[1]} "
                    f"column(s) too small for padding={padding}: did you add `padding` zeros on "
                    "every side before sliding the kernel?"
                )
            if got.shape[:2] == one_side and padding:
                return "Your output is too small: did you pad both sides (top and bottom, left and right)?"
            if got.shape[:2] == no_stride and stride > 1:
                return "Your output is too big: step the window by `stride` pixels."
            return (
                f"Expected shape {want}, got {got.shape}: H_out = floor((H - kh + 2P) / S) + 1, "
                "and one output channel per filter (the kernel's last axis)."
            )
        pads = ((padding, padding), (padding, padding))
        flipped = reference_conv2d(image, kernel[::-1, ::-1], stride=stride, padding=pads)
        if np.allclose(got, flipped, atol=1e-6):
            return "You flipped the kernel: Conv2D computes a cross-correlation, use it as given."
        return "Right shape, wrong values: check the window position (i * stride) and the sum over channels."

    return hint


def slides_case():
    """The slides' 5x5 image and 3x3 kernel as (5, 5, 1) and (3, 3, 1, 1) float arrays."""
    from cnnlab.conv import sample_image_5x5

    image, kernel = sample_image_5x5()
    return image[:, :, None].astype(float), kernel[:, :, None, None].astype(float)


@probe(
    "q2",
    points=1,
    message="The slides' 5x5 example with one channel: sum of window * kernel, no flip.",
    hint=conv_hint(*slides_case(), 1, 0),
)
def q2_slides_example(namespace):
    image, kernel = slides_case()
    return namespace["conv2d"](image, kernel)


@probe(
    "q2",
    points=1,
    message="Stride 2 and one zero of padding on every side of the 5x5 example.",
    hint=conv_hint(*slides_case(), 2, 1),
)
def q2_stride_padding(namespace):
    image, kernel = slides_case()
    return namespace["conv2d"](image, kernel, stride=2, padding=1)






# ---------------------------------------------------------------- q3 shapes and parameter counts
def shape_answers(namespace, cases):
    """The student's conv_output_shape and conv_param_count on (input_shape, filters, F, S, P) cases."""
    answers = []
    for input_shape, filters, kernel_size, stride, padding in cases:
        shape = namespace["conv_output_shape"](
            input_shape, filters=filters, kernel_size=kernel_size, stride=stride, padding=padding
        )
        count = namespace["conv_param_count"](kernel_size, input_shape[2], filters)
        answers.append({"shape": [plain_int(v) for v in shape], "params": plain_int(count)})
    return answers


def plain_int(value):
    """Python and numpy ints as an int; anything else as its repr (a float is a mistake)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    return repr(value)


def formula_hint(expected, got):
    """Spot the slide's formula (no padding, no floor) and bias-free parameter counts."""
    if not isinstance(got, list) or len(got) != len(expected):
        return None
    for want, have in zip(expected, got, strict=True):
        if not isinstance(have, dict):
            return None
        if have.get("shape") != want["shape"]:
            if any(isinstance(v, str) and "." in v for v in have.get("shape", [])):
                return "Sizes are whole numbers: floor the division (// in Python) and return ints."
            return (
                f"Expected the shape {tuple(want['shape'])}, got {tuple(have.get('shape', []))}: "
                "use floor((W - F + 2P) / S) + 1 on each axis, with the padding counted twice."
            )
        if have.get("params") != want["params"]:
            filters = want["shape"][2]
            if isinstance(have.get("params"), int) and want["params"] - have["params"] == filters:
                return "You are short by one parameter per filter: each filter also has a bias."
            return "Parameters: (F * F * C_in + 1) * filters, the +1 being each filter's bias."
    return None


@probe(
    "q3",
    points=1,
    message="AlexNet's first layer on 227x227x3: (55, 55, 96) and 34,944 parameters.",
    hint=formula_hint,
)
def q3_alexnet(namespace):
    return shape_answers(namespace, [((227, 227, 3), 96, 11, 4, 0)])






# ---------------------------------------------------------------- q4 filters as Conv2D layers
def filter_answers(namespace, image):
    return {
        name: apply_layer(namespace[f"{name}_layer"], image)
        for name in ("identity", "blur", "edge")
    }


def filter_hint(expected, got):
    """Padding and orientation mistakes of the three filters."""
    if not isinstance(got, dict) or set(got) != set(expected):
        return None
    for name in ("identity", "blur", "edge"):
        want, have = expected[name]["output"], np.asarray(got[name]["output"])
        if have.shape != want.shape:
            return (
                f'`{name}_layer` gives {have.shape} for a {want.shape} image: use padding="same" '
                "so the output keeps the image's size."
            )
        if not np.allclose(have, want, atol=1e-4):
            if name == "edge" and np.allclose(have, -want, atol=1e-4):
                return "`edge_kernel` has the wrong sign: brighter to the right must give a positive response."
            if name == "blur" and np.allclose(have, 9 * want, atol=1e-3):
                return "`blur_kernel` sums the 9 pixels: divide by 9 to take their mean."
            return (
                f"`{name}_layer` computes other values than the {name} filter: print your kernel."
            )
    return None


@probe(
    "q4",
    points=1,
    message="Apply each layer to a grey photo: identity returns it, blur averages, edge is Sobel x.",
    hint=filter_hint,
)
def q4_photo(namespace):
    return filter_answers(namespace, photo_grey(20) / 255.0)






# ---------------------------------------------------------------- q5 stride 2, valid padding
def downsample_hint(height, width):
    """A hint for ``blur_downsample`` on a ``height`` x ``width`` image."""

    def hint(expected, got):
        want, have = np.shape(expected), np.shape(got)
        if have == want:
            return None
        if len(have) != 2:
            return f"Return a 2-D array {want}: drop the batch and channel axes."
        if have == (-(-height // 2), -(-width // 2)):
            return f'Your output {have} is ceil(W / 2): that is padding="same"; use "valid".'
        if have == (height - 2, width - 2):
            return f"Your output {have} is only 2 pixels smaller than the image: set strides=2."
        return f'Expected {want}, got {have}: padding="valid" and stride 2 give floor((W - 3) / 2) + 1.'

    return hint


@probe(
    "q5",
    points=1,
    message="Box blur, strides=2, padding='valid' on a 20x20 photo: a 9x9 result.",
    hint=downsample_hint(20, 20),
)
def q5_photo(namespace):
    return as_array(namespace["blur_downsample"](photo_grey(20) / 255.0))




# ---------------------------------------------------------------- q6 pooling
def pool_answers(namespace, image, size):
    return {
        mode: np.asarray(namespace["pool2d"](image.copy(), size, mode))
        for mode in ("max", "average")
    }


def pool_hint(expected, got):
    """Leftover rows, swapped modes, overlapping windows."""
    if not isinstance(got, dict) or set(got) != {"max", "average"}:
        return None
    for mode in ("max", "average"):
        want, have = expected[mode], np.asarray(got[mode])
        other = expected["average" if mode == "max" else "max"]
        if have.shape != want.shape:
            if have.shape[0] > want.shape[0] + 1:
                return f"{mode} pooling: {have.shape} is too big, the stride must equal `size` (no overlap)."
            return f"{mode} pooling: expected {want.shape}, got {have.shape}: drop the leftover rows and columns."
        if not np.allclose(have, want, atol=1e-6):
            if np.allclose(have, other, atol=1e-6):
                return f'mode="{mode}" computes the other pooling: check the `if`.'
            return f"{mode} pooling: right shape, wrong values: reduce over the two window axes (1, 3)."
    return None


@probe("q6", points=1, message="A 4x4 ramp pooled by 2x2 windows.", hint=pool_hint)
def q6_ramp(namespace):
    return pool_answers(namespace, np.arange(16.0).reshape(4, 4), 2)






# ---------------------------------------------------------------- q7 bonus: pooling as convolution
def pool_conv_hint(expected, got):
    """Overlapping windows or a kernel that sums instead of averaging."""
    want, have = (
        np.asarray(expected["output"]),
        np.asarray(got["output"]) if isinstance(got, dict) else None,
    )
    if have is None:
        return None
    if have.shape != want.shape:
        return f"Expected {want.shape}, got {have.shape}: pooling windows do not overlap, use strides=3."
    if np.allclose(have, 9 * want, atol=1e-3):
        return "Your layer sums the window: weights of 1/9 give the mean."
    return None


@probe(
    "q7",
    points=1,
    message="Compare with AveragePooling2D(3) on a 12x12 photo.",
    hint=pool_conv_hint,
)
def q7_photo(namespace):
    return apply_layer(namespace["pool_as_conv"], photo_grey(12) / 255.0)


