"""Regenerate the sample submissions of lab 01_convolutions from its released notebook.

Each sample is the released student notebook with some exercise cells answered, right or wrong in a
way students typically are; ``tests/test_labs.py`` asserts the exact grade of each. Run from the
repository root after ``cnnlab release 01_convolutions``:

    .venv/bin/python data/sample_submissions/01_convolutions/make_samples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RELEASED = HERE.parents[2] / "labs" / "01_convolutions" / "01_convolutions.ipynb"

RIGHT = {
    "q1": """def grey_levels(image):
    return len(set(np.asarray(image).ravel().tolist()))


def stretch_contrast(image):
    image = image.astype(np.float64)
    spread = image.max() - image.min()
    if spread == 0:
        return np.zeros(image.shape, dtype=np.float32)
    return ((image - image.min()) / spread).astype(np.float32)""",
    "q2": """def conv2d(image, kernel, stride=1, padding=0):
    height, width, channels = image.shape
    rows, cols, _, filters = kernel.shape
    padded = np.zeros((height + 2 * padding, width + 2 * padding, channels))
    padded[padding : padding + height, padding : padding + width] = image
    out_h = (height + 2 * padding - rows) // stride + 1
    out_w = (width + 2 * padding - cols) // stride + 1
    out = np.zeros((out_h, out_w, filters))
    for f in range(filters):
        for i in range(out_h):
            for j in range(out_w):
                top, left = i * stride, j * stride
                out[i, j, f] = np.sum(padded[top : top + rows, left : left + cols] * kernel[:, :, :, f])
    return out""",
    "q3": """def conv_output_shape(input_shape, *, filters, kernel_size, stride=1, padding=0):
    size = lambda n: (n - kernel_size + 2 * padding) // stride + 1
    return (size(input_shape[0]), size(input_shape[1]), filters)


def conv_param_count(kernel_size, in_channels, filters):
    return kernel_size**2 * in_channels * filters + filters


alexnet_conv1_shape = (55, 55, 96)
alexnet_conv1_params = 34944
width_224 = 54
vgg_conv3_params = 295168""",
    "q4": """identity_kernel = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype="float32")
blur_kernel = np.ones((3, 3), dtype="float32") / 9
edge_kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype="float32")


def make_layer(kernel):
    layer = keras.layers.Conv2D(1, 3, padding="same", use_bias=False)
    layer.build((None, None, None, 1))
    layer.set_weights([kernel.reshape(3, 3, 1, 1)])
    return layer


identity_layer = make_layer(identity_kernel)
blur_layer = make_layer(blur_kernel)
edge_layer = make_layer(edge_kernel)""",
    "q5": """def blur_downsample(image):
    layer = fixed_conv2d(KERNELS["box_blur"], strides=2)
    return np.squeeze(keras.ops.convert_to_numpy(layer(image[None, :, :, None].astype("float32"))))""",
    "q6": """def pool2d(image, size=2, mode="max"):
    rows, cols = image.shape[0] // size, image.shape[1] // size
    reduce = np.max if mode == "max" else np.mean
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = reduce(image[i * size : (i + 1) * size, j * size : (j + 1) * size])
    return out""",
    "q7": """pool_as_conv = fixed_conv2d(np.ones((3, 3)) / 9, strides=3)""",
}

# The two classic conv2d mistakes: a true convolution (kernel flipped) and padding forgotten.
FLIPPED = RIGHT["q2"].replace("* kernel[:, :, :, f])", "* kernel[::-1, ::-1, :, f])")
NO_PADDING = (
    RIGHT["q2"]
    .replace("height + 2 * padding - rows", "height - rows")
    .replace("width + 2 * padding - cols", "width - cols")
    .replace(
        "padded[padding : padding + height, padding : padding + width] = image",
        "padded = image",
    )
)

PARTIAL = {
    "q1": RIGHT["q1"].replace(
        "(image - image.min()) / spread", "image / 255"
    ),  # divides by 255
    "q2": RIGHT["q2"],
    "q3": RIGHT["q3"].replace(
        "+ 2 * padding", ""
    ),  # the slide's formula without padding
    "q4": RIGHT["q4"],
    "q5": RIGHT["q5"].replace("strides=2)", 'strides=2, padding="same")'),
    "q6": RIGHT["q6"].replace(
        'np.max if mode == "max" else np.mean', "np.max"
    ),  # average = max
}  # q7 (the bonus) not attempted

SAMPLES = {
    "perfect": RIGHT,
    "partial": PARTIAL,
    "empty": {},
    "flipped_kernel": {**RIGHT, "q2": FLIPPED},
    "forgot_padding": {**RIGHT, "q2": NO_PADDING},
}


def main() -> None:
    # ../notebook_answers.py writes the samples; it is shared by every lab's generator
    sys.path.insert(0, str(HERE.parent))
    from notebook_answers import write_samples

    write_samples(RELEASED, SAMPLES, HERE)


if __name__ == "__main__":
    main()
