"""cnnlab.conv against independent references: Keras' own layers, scipy, and the slides' numbers."""

import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from skimage import data as skimage_data

from cnnlab.conv import (
    KERNELS,
    avg_pool2d,
    conv1d,
    conv2d,
    conv2d_naive,
    conv_param_count,
    convolve2d,
    dense_param_count,
    depthwise_param_count,
    fixed_conv2d,
    max_pool2d,
    output_size,
    same_padding,
    sample_image_5x5,
    separable_param_count,
)

PROPERTY = settings(max_examples=30, deadline=None)
ATOL = 1e-5


def _random(rng, shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def _keras_conv(x, kernel, bias, *, strides, padding, dilation, rank=2):
    """Keras' answer: explicit padding becomes a ZeroPadding layer before a "valid" convolution."""
    zero_padding = {1: keras.layers.ZeroPadding1D, 2: keras.layers.ZeroPadding2D}[rank]
    convolution = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D}[rank]
    if not isinstance(padding, str):
        x = zero_padding(padding)(x)
        padding = "valid"
    layer = convolution(
        kernel.shape[-1],
        kernel.shape[:rank],
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        use_bias=bias is not None,
    )
    layer.build(x.shape)
    layer.set_weights([kernel] + ([bias] if bias is not None else []))
    if rank == 2 and x.shape[-1] == 1 and len(set(np.broadcast_to(strides, 2).tolist())) > 1:
        # TensorFlow 2.21's CPU (oneDNN) Conv2D returns zeros or garbage for some batches of
        # one-channel images with unequal strides (fine with TF_ENABLE_ONEDNN_OPTS=0, or image by
        # image), so the reference is taken one image at a time there.
        return np.concatenate(
            [keras.ops.convert_to_numpy(layer(x[i : i + 1])) for i in range(len(x))]
        )
    return keras.ops.convert_to_numpy(layer(x))


def _dilated(kernel, dilation):
    """The kernel with ``d - 1`` zeros between taps: a plain (undilated) kernel that equals it."""
    (dh, dw), (kh, kw) = dilation, kernel.shape[:2]
    spread = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1, *kernel.shape[2:]), kernel.dtype)
    spread[::dh, ::dw] = kernel
    return spread


paddings = st.one_of(
    st.sampled_from(["valid", "same"]),
    st.integers(0, 2),
    st.tuples(
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
    ),
)


@st.composite
def conv_cases(draw, *, keras_compatible=True):
    kernel = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    strides = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    dilation = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    if keras_compatible and max(strides) > 1:
        dilation = (1, 1)  # Keras' Conv2D rejects strides > 1 together with dilation > 1
    padding = draw(paddings)
    pads = (0, 0)
    if isinstance(padding, int):
        pads = (2 * padding, 2 * padding)
    elif isinstance(padding, tuple):
        pads = (sum(padding[0]), sum(padding[1]))
    # Draw sizes the kernel fits in (explicit padding counts towards the room).
    size = [
        max(1, dilation[a] * (kernel[a] - 1) + 1 - (pads[a] if padding != "same" else 10**9))
        + draw(st.integers(0, 5))
        for a in range(2)
    ]
    batch, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = _random(rng, (batch, *size, c_in))
    k = _random(rng, (*kernel, c_in, c_out))
    bias = _random(rng, (c_out,)) if draw(st.booleans()) else None
    return x, k, bias, strides, padding, dilation


@PROPERTY
@given(conv_cases())
def test_conv2d_equals_keras_conv2d_and_naive(case):
    x, k, bias, strides, padding, dilation = case
    expected = _keras_conv(x, k, bias, strides=strides, padding=padding, dilation=dilation)
    kwargs = {"stride": strides, "padding": padding, "dilation": dilation, "bias": bias}
    ours = conv2d(x, k, **kwargs)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, atol=ATOL)
    np.testing.assert_allclose(conv2d_naive(x, k, **kwargs), ours, atol=ATOL)
    height_width = output_size(
        x.shape[1:3], k.shape[:2], stride=strides, padding=padding, dilation=dilation
    )
    assert height_width == expected.shape[1:3]


@PROPERTY
@given(conv_cases(keras_compatible=False))
def test_conv2d_with_stride_and_dilation_equals_keras_on_the_spread_kernel(case):
    # Keras cannot take both; a dilated kernel is a larger kernel with zeros between the taps.
    x, k, bias, strides, padding, dilation = case
    assume(padding != "same")  # "same" sizes its padding from the kernel span, equal here anyway
    expected = _keras_conv(
        x, _dilated(k, dilation), bias, strides=strides, padding=padding, dilation=1
    )
    kwargs = {"stride": strides, "padding": padding, "dilation": dilation, "bias": bias}
    np.testing.assert_allclose(conv2d(x, k, **kwargs), expected, atol=ATOL)
    np.testing.assert_allclose(conv2d_naive(x, k, **kwargs), expected, atol=ATOL)


@pytest.mark.parametrize(
    ("image_shape", "kernel_shape", "output_shape"),
    [
        ((7, 6), (3, 2), (5, 5)),
        ((7, 6, 3), (3, 2, 3), (5, 5)),
        ((7, 6, 3), (3, 2, 3, 4), (5, 5, 4)),
        ((2, 7, 6, 3), (3, 2, 3), (2, 5, 5)),
        ((2, 7, 6, 3), (3, 2, 3, 4), (2, 5, 5, 4)),
        ((7, 6), (3, 2, 1, 4), (5, 5, 4)),
    ],
)
def test_conv2d_accepts_every_image_and_kernel_layout(image_shape, kernel_shape, output_shape):
    rng = np.random.default_rng(1)
    image, kernel = _random(rng, image_shape), _random(rng, kernel_shape)
    batch = image.reshape((-1, 7, 6, kernel_shape[2] if len(kernel_shape) > 2 else 1))
    kernel4 = kernel.reshape((*kernel_shape[:2], batch.shape[-1], -1))
    expected = _keras_conv(batch, kernel4, None, strides=1, padding="valid", dilation=1)
    ours = conv2d(image, kernel)
    assert ours.shape == output_shape
    np.testing.assert_allclose(ours.reshape(expected.shape), expected, atol=ATOL)


def test_same_padding_puts_the_odd_zero_at_the_bottom_right_like_keras():
    image = np.arange(36, dtype=np.float32).reshape(1, 6, 6, 1)
    kernel = np.zeros((4, 4, 1, 1), np.float32)
    kernel[0, 0] = 1  # picks the top-left tap, so the output shows where the padding went
    expected = _keras_conv(image, kernel, None, strides=1, padding="same", dilation=1)
    assert same_padding(6, 4) == (1, 2)
    np.testing.assert_array_equal(conv2d(image, kernel, padding="same"), expected)
    np.testing.assert_array_equal(conv2d(image, kernel, padding=((1, 2), (1, 2))), expected)


def test_sample_image_gives_the_slide_values():
    image, kernel = sample_image_5x5()
    slide = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]  # from the lecture slide
    np.testing.assert_array_equal(conv2d(image, kernel), slide)
    np.testing.assert_array_equal(conv2d_naive(image, kernel), slide)
    keras_out = _keras_conv(
        image[None, :, :, None],
        kernel[:, :, None, None],
        None,
        strides=1,
        padding="valid",
        dilation=1,
    )
    np.testing.assert_array_equal(keras_out[0, :, :, 0], slide)


def test_conv2d_keeps_float32_promotes_integers_and_leaves_inputs_alone():
    image, kernel = sample_image_5x5()
    before = image.copy()
    assert conv2d(image, kernel).dtype == np.float32
    assert conv2d(image.astype(np.float64), kernel).dtype == np.float64
    assert conv2d(image.astype(np.int64), kernel.astype(np.int64)).dtype == np.float64
    assert conv2d(image.astype(np.uint8), kernel).dtype == np.float32
    np.testing.assert_array_equal(image, before)


@st.composite
def conv1d_cases(draw):
    size = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    dilation = 1 if stride > 1 else draw(st.integers(1, 3))
    padding = draw(
        st.one_of(
            st.sampled_from(["valid", "same", "causal"]),
            st.integers(0, 2),
            st.tuples(st.integers(0, 2), st.integers(0, 2)),
        )
    )
    span = dilation * (size - 1) + 1
    room = (
        {"same": span, "causal": span - 1}.get(padding, 0)
        if isinstance(padding, str)
        else (2 * padding if isinstance(padding, int) else sum(padding))
    )
    length = max(1, span - room) + draw(st.integers(0, 6))
    c_in, c_out = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return (
        _random(rng, (2, length, c_in)),
        _random(rng, (size, c_in, c_out)),
        stride,
        padding,
        dilation,
    )


@PROPERTY
@given(conv1d_cases())
def test_conv1d_equals_keras_conv1d(case):
    x, k, stride, padding, dilation = case
    bias = np.linspace(-1, 1, k.shape[-1], dtype=np.float32)
    expected = _keras_conv(x, k, bias, strides=stride, padding=padding, dilation=dilation, rank=1)
    ours = conv1d(x, k, stride=stride, padding=padding, dilation=dilation, bias=bias)
    np.testing.assert_allclose(ours, expected, atol=ATOL)
    assert (
        conv1d(x[0], k[:, :, 0], stride=stride, padding=padding, dilation=dilation).shape
        == expected.shape[1:2]
    )


def test_conv1d_finds_a_dna_motif():
    bases = "ACGT"
    sequence = "TTAGTCCAGTA"
    one_hot = np.eye(4)[[bases.index(b) for b in sequence]]  # (11, 4)
    motif = np.eye(4)[[bases.index(b) for b in "AGT"]]  # (3, 4)
    scores = conv1d(one_hot, motif)
    assert [i for i, s in enumerate(scores) if s == 3] == [2, 7]  # where "AGT" starts


@st.composite
def pool_cases(draw):
    pool = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    strides = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = draw(st.sampled_from(["valid", "same"]))
    size = [pool[a] + draw(st.integers(0, 5)) for a in range(2)]
    if padding == "same":
        size = [max(1, s - draw(st.integers(0, 2))) for s in size]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return _random(rng, (2, *size, draw(st.integers(1, 3)))), pool, strides, padding


@PROPERTY
@given(pool_cases())
def test_pooling_equals_keras_pooling_layers(case):
    x, pool, strides, padding = case
    for ours, layer in (
        (max_pool2d, keras.layers.MaxPooling2D),
        (avg_pool2d, keras.layers.AveragePooling2D),
    ):
        expected = keras.ops.convert_to_numpy(layer(pool, strides=strides, padding=padding)(x))
        np.testing.assert_allclose(
            ours(x, pool, stride=strides, padding=padding), expected, atol=ATOL
        )
        assert (
            ours(x[0, :, :, 0], pool, stride=strides, padding=padding).shape == expected.shape[1:3]
        )


@PROPERTY
@given(
    st.integers(1, 300),
    st.integers(1, 11),
    st.integers(1, 5),
    st.integers(1, 4),
    st.sampled_from(["valid", "same"]),
)
def test_output_size_equals_keras_output_shape(size, kernel, stride, dilation, padding):
    if stride > 1:
        dilation = 1
    span = dilation * (kernel - 1) + 1
    assume(padding == "same" or size >= span)
    layer = keras.layers.Conv2D(
        1, (kernel, 1), strides=(stride, 1), padding=padding, dilation_rate=(dilation, 1)
    )
    expected = layer.compute_output_shape((None, size, 1, 1))[1]
    assert output_size(size, kernel, stride=stride, padding=padding, dilation=dilation) == expected
    # Explicit padding P: Keras pads first, then a "valid" convolution.
    for pad in (1, 3):
        valid = keras.layers.Conv2D(
            1, (kernel, 1), strides=(stride, 1), dilation_rate=(dilation, 1)
        )
        if size + 2 * pad >= span:
            expected = valid.compute_output_shape((None, size + 2 * pad, 1, 1))[1]
            assert (
                output_size(size, kernel, stride=stride, padding=pad, dilation=dilation) == expected
            )


def test_output_size_uses_the_corrected_formula():
    assert output_size(5, 3, stride=2) == 2  # the slides' (5 - 3 + 2*0 + 1) / 2 would give 1.5
    assert conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=2).shape == (2, 2)
    assert output_size(227, 11, stride=4) == 55  # AlexNet conv1 needs 227, not 224
    assert output_size(224, 11, stride=4) == 54
    assert output_size((27, 27), 5, padding=2) == (27, 27)
    assert output_size(10, 3, padding=(0, 1)) == 9


def test_alexnet_parameter_figures():
    assert conv_param_count(11, 3, 96) == 11 * 11 * 3 * 96 + 96 == 34_944
    dense = dense_param_count((224, 224, 3), (55, 55, 96))
    assert dense == (224 * 224 * 3 + 1) * (55 * 55 * 96) == 43_713_621_600
    assert round(dense / 1e9, 1) == 43.7  # the slides' figure, for a 224 x 224 x 3 input
    real = dense_param_count((227, 227, 3), (55, 55, 96))
    assert real == (227 * 227 * 3 + 1) * (55 * 55 * 96) and round(real / 1e9, 1) == 44.9
    assert dense_param_count(150_528, 290_400, use_bias=False) == 150_528 * 290_400


@pytest.mark.parametrize(
    ("kernel_size", "c_in", "c_out", "multiplier", "use_bias"),
    [(3, 64, 128, 1, True), ((5, 3), 3, 16, 2, False), (1, 32, 8, 1, True), (7, 1, 1, 3, True)],
)
def test_parameter_counts_equal_keras_count_params(kernel_size, c_in, c_out, multiplier, use_bias):
    def keras_count(layer):
        layer.build((None, 16, 16, c_in))
        return layer.count_params()

    conv = keras.layers.Conv2D(c_out, kernel_size, use_bias=use_bias)
    depthwise = keras.layers.DepthwiseConv2D(
        kernel_size, depth_multiplier=multiplier, use_bias=use_bias
    )
    separable = keras.layers.SeparableConv2D(
        c_out, kernel_size, depth_multiplier=multiplier, use_bias=use_bias
    )
    assert conv_param_count(kernel_size, c_in, c_out, use_bias=use_bias) == keras_count(conv)
    assert depthwise_param_count(
        kernel_size, c_in, depth_multiplier=multiplier, use_bias=use_bias
    ) == keras_count(depthwise)
    assert separable_param_count(
        kernel_size, c_in, c_out, depth_multiplier=multiplier, use_bias=use_bias
    ) == keras_count(separable)
    dense = keras.layers.Dense(c_out, use_bias=use_bias)
    dense.build((None, c_in * 4))
    assert dense_param_count((2, 2, c_in), c_out, use_bias=use_bias) == dense.count_params()


@PROPERTY
@given(
    st.tuples(st.integers(3, 9), st.integers(3, 9)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.sampled_from(["valid", "full", "same"]),
    st.integers(0, 2**32 - 1),
)
def test_convolve2d_equals_scipy_signal_convolve2d(size, kernel_size, mode, seed):
    rng = np.random.default_rng(seed)
    image, kernel = rng.normal(size=size), rng.normal(size=kernel_size)
    expected = scipy.signal.convolve2d(image, kernel, mode=mode)
    np.testing.assert_allclose(convolve2d(image, kernel, padding=mode), expected, atol=1e-10)


def test_convolve2d_is_conv2d_with_the_kernel_flipped():
    image, kernel = sample_image_5x5()
    np.testing.assert_array_equal(convolve2d(image, kernel), conv2d(image, kernel[::-1, ::-1]))


def _camera(step=8):
    return (skimage_data.camera()[::step, ::step] / 255).astype(np.float32)  # (64, 64)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_fixed_conv2d_layer_equals_conv2d_for_every_named_kernel(name):
    image = _camera()
    layer = fixed_conv2d(name, strides=2, padding="same")
    assert not layer.trainable and layer.trainable_weights == []
    out = keras.ops.convert_to_numpy(layer(image[None, :, :, None]))
    np.testing.assert_allclose(
        out[0, :, :, 0], conv2d(image, KERNELS[name], stride=2, padding="same"), atol=ATOL
    )


def test_fixed_conv2d_with_channels_filters_and_bias_in_a_model():
    image = (skimage_data.astronaut()[::16, ::16] / 255).astype(np.float32)  # (32, 32, 3)
    kernel = _random(np.random.default_rng(2), (3, 3, 3, 4))
    bias = np.array([0.5, -1, 0, 2], np.float32)
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(
        inputs, fixed_conv2d(kernel, bias=bias, dilation_rate=2, name="fixed")(inputs)
    )
    assert model.count_params() == conv_param_count(3, 3, 4) and model.trainable_weights == []
    out = keras.ops.convert_to_numpy(model(image[None]))[0]
    np.testing.assert_allclose(out, conv2d(image, kernel, bias=bias, dilation=2), atol=ATOL)


def test_fixed_conv2d_survives_saving_and_takes_channels_first(tmp_path):
    image = _camera()[None, :, :, None]  # (1, 64, 64, 1)
    inputs = keras.Input((64, 64, 1))
    model = keras.Model(inputs, fixed_conv2d("gaussian_blur_5x5", bias=0.25)(inputs))
    with warnings.catch_warnings():
        # TensorFlow tensors' __array__ lacks numpy 2's `copy` keyword; Keras' saving hits it.
        warnings.filterwarnings("ignore", "__array__ implementation", DeprecationWarning)
        model.save(tmp_path / "blur.keras")
        reloaded = keras.models.load_model(tmp_path / "blur.keras")
    expected = conv2d(image, KERNELS["gaussian_blur_5x5"], bias=0.25)
    assert reloaded.trainable_weights == []
    # Fed in the structure the reloaded model declares: Keras 3.10 reloads a single-input model
    # with its input as a one-element list (and warns on a bare tensor); Keras 3.11+ keeps it bare.
    feed = keras.tree.map_structure(lambda _: image, reloaded.input)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reloaded(feed))[..., 0], expected, atol=ATOL
    )
    layer = fixed_conv2d("sobel_y", data_format="channels_first", padding="same")
    out = keras.ops.convert_to_numpy(layer(image.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(
        out[0, 0], conv2d(image[0, :, :, 0], KERNELS["sobel_y"], padding="same"), atol=ATOL
    )


def test_named_kernels_agree_with_scipy_ndimage_filters():
    image = _camera(4).astype(np.float64)
    inner = (slice(1, -1), slice(1, -1))
    np.testing.assert_allclose(
        conv2d(image, KERNELS["sobel_x"]), scipy.ndimage.sobel(image, axis=1)[inner], atol=1e-6
    )
    np.testing.assert_allclose(
        conv2d(image, KERNELS["sobel_y"]), scipy.ndimage.sobel(image, axis=0)[inner], atol=1e-6
    )
    np.testing.assert_allclose(
        conv2d(image, KERNELS["prewitt_x"]), scipy.ndimage.prewitt(image, axis=1)[inner], atol=1e-6
    )
    np.testing.assert_allclose(
        conv2d(image, KERNELS["laplacian"]), scipy.ndimage.laplace(image)[inner], atol=1e-6
    )
    np.testing.assert_allclose(
        conv2d(image, KERNELS["box_blur"]), scipy.ndimage.uniform_filter(image, 3)[inner], atol=1e-6
    )
    np.testing.assert_array_equal(conv2d(image, KERNELS["identity"]), image[inner])
    for name, kernel in KERNELS.items():
        assert not kernel.flags.writeable, name
        assert kernel.shape in ((3, 3), (5, 5)) and kernel.dtype == np.float32


def test_import_does_not_load_tensorflow():
    code = "import sys, cnnlab.conv; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


_IMAGE, _KERNEL = sample_image_5x5()
INVALID = [
    (conv2d, (_IMAGE, _KERNEL), {"stride": 0}, "`stride`"),
    (conv2d, (_IMAGE, _KERNEL), {"stride": (1, 2, 3)}, "`stride`"),
    (conv2d, (_IMAGE, _KERNEL), {"stride": 1.5}, "`stride`"),
    (conv2d, (_IMAGE, _KERNEL), {"dilation": 0}, "`dilation`"),
    (conv2d, (_IMAGE, _KERNEL), {"padding": -1}, "`padding`"),
    (conv2d, (_IMAGE, _KERNEL), {"padding": "full"}, "`padding`"),
    (conv2d, (_IMAGE, _KERNEL), {"padding": ((1, -1), (0, 0))}, "`padding`"),
    (conv2d, (_IMAGE, _KERNEL), {"bias": [1.0, 2.0]}, "`bias`"),
    (conv2d, (_IMAGE, np.ones((6, 3))), {}, "`image` height"),
    (conv2d, (_IMAGE, _KERNEL), {"dilation": (1, 3)}, "`image` width"),
    (conv2d, (_IMAGE[0], _KERNEL), {}, "`image`"),
    (conv2d, (_IMAGE, np.ones((3, 3, 1, 1, 1))), {}, "`kernel`"),
    (conv2d, (_IMAGE, np.ones((3, 3, 2))), {}, "`kernel`"),
    (conv2d, (_IMAGE, np.ones((0, 3))), {}, "`kernel`"),
    (conv2d_naive, (_IMAGE, _KERNEL), {"stride": (0, 1)}, "`stride`"),
    (conv2d_naive, (_IMAGE, np.ones((3, 6))), {}, "`image` width"),
    (convolve2d, (_IMAGE, _KERNEL), {"padding": "causal"}, "`padding`"),
    (conv1d, (np.ones(5), np.ones(3)), {"stride": 0}, "`stride`"),
    (conv1d, (np.ones(5), np.ones(3)), {"padding": "full"}, "`padding`"),
    (conv1d, (np.ones(5), np.ones(7)), {}, "`sequence` length"),
    (conv1d, (np.ones((2, 2, 5, 1)), np.ones(3)), {}, "`sequence`"),
    (max_pool2d, (_IMAGE, 0), {}, "`pool_size`"),
    (max_pool2d, (_IMAGE, 2), {"stride": -1}, "`stride`"),
    (avg_pool2d, (_IMAGE, 2), {"padding": 1}, "`padding`"),
    (avg_pool2d, (_IMAGE, 6), {}, "`image` height"),
    (max_pool2d, (np.ones(5),), {}, "`image`"),
    (output_size, (0, 3), {}, "`input_size`"),
    (output_size, (5, 0), {}, "`kernel_size`"),
    (output_size, (5, 3), {"stride": 0}, "`stride`"),
    (output_size, (5, 3), {"dilation": -2}, "`dilation`"),
    (output_size, (5, 3), {"padding": -1}, "`padding`"),
    (output_size, (5, 3), {"padding": "middle"}, "`padding`"),
    (output_size, (2, 3), {}, "`input_size`"),
    (same_padding, (5, 0), {}, "`kernel_size`"),
    (conv_param_count, (3, 0, 8), {}, "`in_channels`"),
    (conv_param_count, (3, 3, -1), {}, "`out_channels`"),
    (conv_param_count, ((3, 0), 3, 8), {}, "`kernel_size`"),
    (depthwise_param_count, (3, 3), {"depth_multiplier": 0}, "`depth_multiplier`"),
    (separable_param_count, (3, 3, 0), {}, "`out_channels`"),
    (dense_param_count, (0, 3), {}, "`in_features`"),
    (dense_param_count, (3, (0, 3)), {}, "`out_features`"),
    (fixed_conv2d, ("no_such_kernel",), {}, "`kernel`"),
    (fixed_conv2d, (np.ones(3),), {}, "`kernel`"),
    (fixed_conv2d, (_KERNEL,), {"filters": 3}, "`filters`"),
    (fixed_conv2d, (_KERNEL,), {"bias": [1.0, 2.0]}, "`bias`"),
    (fixed_conv2d, (_KERNEL,), {"padding": 1}, "`padding`"),
    (fixed_conv2d, (_KERNEL,), {"trainable": True}, "`trainable`"),
]


@pytest.mark.parametrize(("function", "args", "kwargs", "name"), INVALID)
def test_invalid_arguments_raise_value_error_naming_the_argument(function, args, kwargs, name):
    with pytest.raises(ValueError, match=name) as error:
        function(*args, **kwargs)
    assert "Got" in str(error.value)


def test_geometry_errors_show_the_formula_with_values():
    with pytest.raises(ValueError, match=r"floor\(\(3 - 5 \+ 0 \+ 0\) / 1\) \+ 1 = -1"):
        output_size(3, 5)
    with pytest.raises(ValueError, match=r"F_eff = D \* \(F - 1\) \+ 1"):
        conv2d(np.ones((4, 4)), np.ones((3, 3)), dilation=2)


@pytest.mark.parametrize("bad", [np.array(["a", "b"]), np.ones((3, 3), complex)])
def test_non_numeric_input_raises_type_error(bad):
    with pytest.raises(TypeError, match="`image`"):
        conv2d(bad, np.ones((1, 1)))
    with pytest.raises(TypeError, match="`kernel`"):
        conv2d(np.ones((3, 3)), bad)
