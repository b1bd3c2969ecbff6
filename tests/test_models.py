"""cnnlab.models: every registry entry builds, runs and has the parameter count computed by hand.

Expected parameter counts are computed here from the layer formulas of the papers
((F*F*C_in + 1)*C_out for a convolution, 2*C trainable values for batch norm, ...), never taken
from our own output; ResNet-50 is also checked against keras.applications.ResNet50.
"""

import keras
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnlab import models
from cnnlab.models import get_model, list_models
from cnnlab.models.geometry import check_plan, output_length, smallest_input


def conv(kernel, channels_in, channels_out, *, bias=True):
    return kernel * kernel * channels_in * channels_out + (channels_out if bias else 0)


def dense(units_in, units_out):
    return units_in * units_out + units_out


def batch_norm(channels):
    return 2 * channels  # gamma and beta; the moving mean and variance are not trainable


def resnet_trainable(stages, *, bottleneck, stem_kernel, stem_filters, filters, classes):
    """Trainable parameters of a ResNet from He et al. Table 1, projection shortcuts."""
    total = conv(stem_kernel, 3, stem_filters) + batch_norm(stem_filters)
    channels = stem_filters
    for stage, repeats in enumerate(stages):
        width = filters * 2**stage
        out = 4 * width if bottleneck else width
        for block in range(repeats):
            stride = 2 if stage > 0 and block == 0 else 1
            if bottleneck:
                total += conv(1, channels, width) + conv(3, width, width) + conv(1, width, out)
                total += batch_norm(width) * 2 + batch_norm(out)
            else:
                total += conv(3, channels, width) + conv(3, width, width) + 2 * batch_norm(width)
            if stride != 1 or channels != out:
                total += conv(1, channels, out) + batch_norm(out)
            channels = out
    return total + dense(channels, classes)


def inception_trainable(channels, f1, f3r, f3, f5r, f5, fp):
    params = conv(1, channels, f1) + conv(1, channels, f3r) + conv(3, f3r, f3)
    params += conv(1, channels, f5r) + conv(5, f5r, f5) + conv(1, channels, fp)
    return params, f1 + f3 + f5 + fp


def _vgg_small():
    widths = [16, 16, 32, 32, 64, 64, 64, 128, 128, 128, 128, 128, 128]  # 0.25 x VGG-16
    total, channels = 0, 3
    for width in widths:
        total, channels = total + conv(3, channels, width), width
    return total + dense(128, 64) + dense(64, 64) + dense(64, 10)


def _mini_inception():
    total, channels = conv(3, 3, 64) + batch_norm(64), 64
    for config in [(32, 48, 64, 8, 16, 16), (64, 64, 96, 16, 48, 32), (96, 48, 104, 8, 24, 32)]:
        params, channels = inception_trainable(channels, *config)
        total += params
    return total + dense(channels, 10)


def _separable():
    total, channels = conv(3, 3, 32, bias=False) + batch_norm(32), 32
    for out in (64, 128, 128, 256):
        total += 9 * channels + batch_norm(channels) + conv(1, channels, out, bias=False)
        total += batch_norm(out)
        channels = out
    return total + dense(channels, 10)


ALEXNET_67 = (
    conv(11, 3, 96) + conv(5, 96, 256) + conv(3, 256, 384) + conv(3, 384, 384)
    + conv(3, 384, 256) + dense(1 * 1 * 256, 4096) + dense(4096, 4096) + dense(4096, 10)
)  # fmt: skip
SIMPLE_CNN = (
    conv(3, 3, 32) + conv(3, 32, 32) + conv(3, 32, 64) + conv(3, 64, 64)
    + dense(8 * 8 * 64, 128) + dense(128, 10)
)  # fmt: skip
SMALL = {"input_shape": (32, 32, 3), "num_classes": 10}
IMAGENET_RESNET = {"stem_kernel": 7, "stem_filters": 64, "filters": 64, "classes": 10}
# name -> (builder keyword arguments for a small input, trainable parameters by hand)
CASES = {
    "lenet5": (
        {"input_shape": (32, 32, 1), "num_classes": 10},
        conv(5, 1, 6) + conv(5, 6, 16) + conv(5, 16, 120) + dense(120, 84) + dense(84, 10),
    ),
    "alexnet": ({"input_shape": (67, 67, 3), "num_classes": 10}, ALEXNET_67),
    "vgg16": ({**SMALL, "width": 0.25, "dense_units": 64}, _vgg_small()),
    "resnet18": (SMALL, resnet_trainable([2, 2, 2, 2], bottleneck=False, **IMAGENET_RESNET)),
    "resnet34": (SMALL, resnet_trainable([3, 4, 6, 3], bottleneck=False, **IMAGENET_RESNET)),
    "resnet50": (SMALL, resnet_trainable([3, 4, 6, 3], bottleneck=True, **IMAGENET_RESNET)),
    "resnet101": (SMALL, resnet_trainable([3, 4, 23, 3], bottleneck=True, **IMAGENET_RESNET)),
    "resnet152": (SMALL, resnet_trainable([3, 8, 36, 3], bottleneck=True, **IMAGENET_RESNET)),
    "mini_resnet": (
        SMALL,
        resnet_trainable(
            [3, 3, 3], bottleneck=False, stem_kernel=3, stem_filters=16, filters=16, classes=10
        ),
    ),
    "mini_inception": (SMALL, _mini_inception()),
    "separable_cnn": (SMALL, _separable()),
    "simple_cnn": (SMALL, SIMPLE_CNN),
}


def test_every_registry_entry_has_a_hand_computed_case():
    assert sorted(CASES) == list_models()


@pytest.mark.parametrize("name", list_models())
def test_registry_model_builds_runs_and_counts(name):
    kwargs, expected_trainable = CASES[name]
    model = get_model(name, **kwargs)
    images = np.random.default_rng(0).random((2, *kwargs["input_shape"]), dtype=np.float32)
    probabilities = keras.ops.convert_to_numpy(model(images, training=False))
    assert probabilities.shape == (2, kwargs["num_classes"])
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == expected_trainable


def test_resnet50_matches_keras_applications():
    ours = models.resnet(depth=50)
    reference = keras.applications.ResNet50(weights=None)
    assert ours.count_params() == reference.count_params() == 25_636_712
    assert ours.get_layer("stem_pool").output.shape == (None, 56, 56, 64)
    assert ours.get_layer("stage5_block3_out").output.shape == (None, 7, 7, 2048)


def test_alexnet_input_size_decides_the_first_layer():
    assert models.alexnet().get_layer("conv1").output.shape == (None, 55, 55, 96)
    assert models.alexnet().count_params() == 62_378_344  # the published 62.3M
    # Keras floors (224 - 11)/4 + 1 = 54.25 silently; cnnlab.inspect flags it.
    floored = models.alexnet(input_shape=(224, 224, 3), dropout=0.0)
    assert floored.get_layer("conv1").output.shape == (None, 54, 54, 96)
    assert "fc6_dropout" not in [layer.name for layer in floored.layers]


@pytest.mark.parametrize(
    ("builder", "kwargs", "where", "smallest"),
    [
        (models.vgg16, {"input_shape": (16, 16, 3)}, "block5_pool", 32),
        (models.vgg16, {"input_shape": (224, 31, 3)}, "block5_pool", 32),
        (models.lenet5, {"input_shape": (28, 28, 1)}, "c5", 32),
        (models.alexnet, {"input_shape": (66, 66, 3)}, "pool3", 67),
        (models.simple_cnn, {"input_shape": (4, 4, 3), "blocks": 3}, "block3_pool", 8),
    ],
)
def test_impossible_geometry_names_block_and_smallest_input(builder, kwargs, where, smallest):
    with pytest.raises(ValueError, match=rf"reaches 0 at {where}\b.*smallest input .* {smallest}x"):
        builder(**kwargs)
    # The suggested size works (Keras builds it) and is the smallest: one less fails.
    shape = (smallest, smallest, kwargs["input_shape"][2])
    extra = {"num_classes": 2, "width": 0.125, "dense_units": 8} if builder is models.vgg16 else {}
    extra.update({k: v for k, v in kwargs.items() if k != "input_shape"})
    assert isinstance(builder(input_shape=shape, **extra), keras.Model)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: get_model("vgg"), ValueError, "alexnet, lenet5, .*vgg16. Got 'vgg'"),
        (lambda: get_model("resnet50", depth=18), TypeError, "depth"),
        (lambda: models.resnet(depth=20), ValueError, r"`depth` must be one of \[18, 34"),
        (lambda: models.vgg16(num_classes=0), ValueError, "`num_classes` must be a positive"),
        (lambda: models.vgg16(width=-1), ValueError, "`width` must be a positive number"),
        (lambda: models.lenet5(input_shape=(32, 32)), ValueError, "`input_shape` must be a"),
        (lambda: models.simple_cnn(filters="32"), TypeError, "`filters` must be a positive int"),
        (lambda: models.alexnet(dropout=1.0), ValueError, r"`dropout` must be in \[0, 1\)"),
    ],
)
def test_bad_arguments_raise_one_sentence_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_blocks_shapes_and_names():
    x = keras.Input((16, 16, 32))
    assert models.residual_block(x, 64, strides=2, name="s").shape == (None, 8, 8, 64)
    assert models.bottleneck_block(x, 16, name="b").shape == (None, 16, 16, 64)
    out = models.inception_module(
        x, name="i", filters_1x1=8, filters_3x3_reduce=4, filters_3x3=8, filters_5x5_reduce=2,
        filters_5x5=4, filters_pool_projection=4,
    )  # fmt: skip
    assert out.shape == (None, 16, 16, 24)
    model = keras.Model(x, models.separable_block(x, 48, name="sep"))
    names = [layer.name for layer in model.layers[1:]]
    assert names == ["sep_depthwise", "sep_depthwise_bn", "sep_depthwise_relu", "sep_pointwise",
                     "sep_pointwise_bn", "sep_pointwise_relu"]  # fmt: skip


def test_separable_block_has_the_weights_of_keras_separable_conv():
    x = keras.Input((16, 16, 32))
    ours = keras.Model(x, models.separable_block(x, 48, name="sep"))
    fused = keras.layers.SeparableConv2D(48, 3, padding="same", use_bias=False)
    fused.build((None, 16, 16, 32))
    convolution_weights = sum(
        layer.count_params() for layer in ours.layers if "_bn" not in layer.name
    )
    assert convolution_weights == fused.count_params() == 9 * 32 + 32 * 48


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(1, 40),
    kernel=st.integers(1, 7),
    stride=st.integers(1, 4),
    padding=st.sampled_from(["valid", "same", 0, 1, 2, 3]),
)
def test_output_length_agrees_with_keras(size, kernel, stride, padding):
    """The builders' plan arithmetic is Keras' own: floor((W - F + 2P)/S) + 1, or ceil(W/S)."""
    expected = output_length(size, kernel, stride=stride, padding=padding)
    if isinstance(padding, int):
        size, padding = size + 2 * padding, "valid"  # explicit zero padding, then no padding
    assume(padding == "same" or size >= kernel)  # Keras refuses windows larger than the input
    layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)
    assert layer.compute_output_shape((None, size, size, 1))[1] == expected


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3)), min_size=1, max_size=5))
def test_smallest_input_is_the_smallest_that_fits(steps):
    plan = [(f"layer{i}", kernel, stride, "valid") for i, (kernel, stride) in enumerate(steps)]
    smallest = smallest_input(plan)
    assert check_plan("net", (smallest, smallest, 1), plan)[0] >= 1
    if smallest > 1:
        with pytest.raises(ValueError, match=rf"smallest input that works is {smallest}x"):
            check_plan("net", (smallest - 1, smallest, 1), plan)
