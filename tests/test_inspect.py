"""cnnlab.inspect: layer tables checked against hand-computed values, Keras itself and the papers.

References used here, none of them our own output: the lecture's VGG-16 table (recomputed from
its formulas, H*W*C activations and (F*F*C_in + 1)*C_out parameters), LeNet-5 by hand,
``model.count_params()`` and Keras' own output shapes and weight shapes, receptive fields of
Araujo et al., "Computing Receptive Fields of Convolutional Neural Networks" (Distill, 2019),
FLOPs of He et al. (2015) Table 1, and a brute-force receptive field from input gradients.
"""

import math

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.figure import Figure

from cnnlab.inspect import compare_models, layer_table, published_top1
from cnnlab.inspect.compare import PUBLISHED_TOP1
from cnnlab.models import alexnet, get_model, lenet5, list_models, resnet, vgg16


@pytest.fixture(scope="module")
def vgg():
    return vgg16()


@pytest.fixture(scope="module")
def vgg_table(vgg):
    return layer_table(vgg)


@pytest.fixture(scope="module")
def keras_resnet50():
    return keras.applications.ResNet50(weights=None)


def vgg16_lecture_rows():
    """The 22 rows of the lecture's table: (name, activations, parameters incl. biases)."""
    rows, side, channels = [("input", 224 * 224 * 3, 0)], 224, 3
    for block, (width, count) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], 1):
        for index in range(1, count + 1):
            params = (3 * 3 * channels + 1) * width
            rows.append((f"block{block}_conv{index}", side * side * width, params))
            channels = width
        side //= 2
        rows.append((f"block{block}_pool", side * side * channels, 0))
    units_in = 7 * 7 * 512
    for name, units in [("fc1", 4096), ("fc2", 4096), ("predictions", 1000)]:
        rows.append((name, units, (units_in + 1) * units))
        units_in = units
    return rows


def test_vgg16_matches_all_22_rows_of_the_lecture_table(vgg, vgg_table):
    expected = vgg16_lecture_rows()
    assert len(expected) == 22
    rows = [row for row in vgg_table.rows if row.type != "Flatten"]
    assert [(r.name, r.activations, r.params) for r in rows] == expected
    assert vgg_table.total_activations == sum(a for _, a, _ in expected) == 15_237_608
    assert round(vgg_table.total_activations / 1e6, 1) == 15.2  # not the slide's 24M
    assert vgg_table.total_params == vgg.count_params() == 138_357_544
    (flatten,) = [row for row in vgg_table.rows if row.type == "Flatten"]
    assert (flatten.activations, flatten.output_shape) == (0, (25088,))


def test_vgg16_flops_memory_and_receptive_field(vgg_table):
    convolutions = [(224, 3, 64), (224, 64, 64), (112, 64, 128), (112, 128, 128)]
    convolutions += [(56, 128, 256)] + [(56, 256, 256)] * 2 + [(28, 256, 512)]
    convolutions += [(28, 512, 512)] * 2 + [(14, 512, 512)] * 3
    macs = sum(side * side * out * 9 * c for side, c, out in convolutions)
    macs += 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    assert vgg_table.total_flops == macs
    assert round(vgg_table.total_flops / 1e9, 1) == 15.5
    memory = vgg_table.memory
    assert memory["activations_forward"] == 15_237_608 * 4
    assert memory["activations_training"] == 2 * 15_237_608 * 4
    assert memory["parameters"] == 138_357_544 * 4
    assert memory["training_sgd"] == 2 * 138_357_544 * 4
    assert memory["training_sgd_momentum"] == 3 * 138_357_544 * 4
    assert memory["training_adam"] == 4 * 138_357_544 * 4
    by_name = {row.name: row for row in vgg_table.rows}
    assert by_name["block5_conv3"].receptive_field == (196, 196)  # Araujo et al. (2019)
    assert (by_name["block5_pool"].receptive_field, by_name["block5_pool"].jump) == (
        (212, 212),
        (32, 32),
    )
    assert vgg_table.geometry_issues == []


def test_vgg16_rows_agree_with_keras_applications(vgg_table):
    reference = layer_table(keras.applications.VGG16(weights=None))
    ours = [(r.name, r.output_shape, r.params, r.flops) for r in vgg_table.rows[1:]]
    assert ours == [(r.name, r.output_shape, r.params, r.flops) for r in reference.rows[1:]]


def test_batch_size_and_dtype_scale_memory(vgg):
    table = layer_table(vgg, batch_size=8, dtype="float16")
    assert table.memory["activations_forward"] == 15_237_608 * 2 * 8
    assert table.memory["parameters"] == 138_357_544 * 2


def test_lenet5_by_hand():
    table = layer_table(lenet5())
    # (name, activations, params, multiply-adds) from 32x32x1 through C1..output.
    expected = [
        ("input", 32 * 32, 0, 0),
        ("c1", 28 * 28 * 6, (25 + 1) * 6, 28 * 28 * 6 * 25),
        ("s2", 14 * 14 * 6, 0, 0),
        ("c3", 10 * 10 * 16, (25 * 6 + 1) * 16, 10 * 10 * 16 * 25 * 6),
        ("s4", 5 * 5 * 16, 0, 0),
        ("c5", 120, (25 * 16 + 1) * 120, 120 * 25 * 16),
        ("flatten", 0, 0, 0),
        ("f6", 84, (120 + 1) * 84, 120 * 84),
        ("predictions", 10, (84 + 1) * 10, 84 * 10),
    ]
    assert [(r.name, r.activations, r.params, r.flops) for r in table.rows] == expected
    assert table.total_params == 61_706
    assert [r.receptive_field[0] for r in table.rows[:6]] == [1, 5, 6, 14, 16, 32]


def test_alexnet_geometry_is_flagged_at_224_only():
    exact = layer_table(alexnet())
    assert exact.geometry_issues == []
    by_name = {row.name: row for row in exact.rows}
    assert by_name["conv1"].output_shape == (55, 55, 96)
    expected_rf = {"conv1": 11, "pool1": 19, "conv2": 51, "pool2": 67, "conv3": 99,
                   "conv4": 131, "conv5": 163, "pool3": 195}  # fmt: skip
    assert {name: by_name[name].receptive_field[0] for name in expected_rf} == expected_rf
    assert by_name["pool3"].jump == (32, 32)
    floored = layer_table(alexnet(input_shape=(224, 224, 3)))
    assert floored.geometry_issues[0].startswith("conv1: ")
    assert "(224 - 11 + 2*0)/4 + 1 = 54.25" in floored.geometry_issues[0]
    assert [issue.split(":")[0] for issue in floored.geometry_issues] == [
        "conv1",
        "pool1",
        "pool2",
        "pool3",
    ]
    assert "54.25" in str(floored)


def _check_against_keras(model, table):
    """Totals vs count_params; every row vs Keras' own output shape, weights and kernel shape."""
    assert table.total_params == model.count_params()
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert table.total_trainable_params == trainable
    assert table.memory["training_adam"] == (model.count_params() + 3 * trainable) * 4
    rows = {row.name: row for row in table.rows}
    for layer in model.layers:
        row = rows[layer.name]
        assert row.output_shape == tuple(layer.output.shape[1:]), layer.name
        assert row.params == layer.count_params()
        kernel = getattr(layer, "kernel", None)
        if isinstance(layer, keras.layers.SeparableConv2D):
            kernel = None
        if kernel is not None and row.flops:  # one multiply-add per kernel weight per position
            positions = math.prod(layer.output.shape[1:-1])
            assert row.flops == positions * math.prod(kernel.shape), layer.name


RESNET_GFLOPS = {
    "resnet18": 1.8,
    "resnet34": 3.6,
    "resnet50": 3.8,
    "resnet101": 7.6,
    "resnet152": 11.3,
}


@pytest.mark.parametrize("name", list_models())
def test_registry_models_agree_with_keras(name, request):
    # Default (ImageNet-sized) inputs: no forward pass happens, so size costs only weights.
    model = request.getfixturevalue("vgg") if name == "vgg16" else get_model(name)
    table = layer_table(model)
    _check_against_keras(model, table)
    if name in RESNET_GFLOPS:  # He et al. (2015), Table 1
        assert abs(table.total_flops / 1e9 - RESNET_GFLOPS[name]) / RESNET_GFLOPS[name] < 0.03


@pytest.mark.parametrize("builder", ["ResNet50", "MobileNetV2", "InceptionV3"])
def test_keras_applications_models(builder, keras_resnet50):
    if builder == "ResNet50":
        model = keras_resnet50
    else:
        model = getattr(keras.applications, builder)(weights=None)
    table = layer_table(model)
    _check_against_keras(model, table)
    assert PUBLISHED_TOP1[model.name][0] == model.count_params()
    assert published_top1(model) == PUBLISHED_TOP1[model.name][2]


def test_our_resnet50_is_keras_resnet50(keras_resnet50):
    ours, reference = layer_table(resnet(depth=50)), layer_table(keras_resnet50)
    assert ours.total_activations == reference.total_activations
    assert ours.total_flops == reference.total_flops
    assert ours.rows[-3].receptive_field == reference.rows[-3].receptive_field == (483, 483)


def test_nested_backbone_is_expanded():
    def backbone(shape):
        return keras.applications.MobileNetV2(
            alpha=0.35, include_top=False, weights=None, input_shape=shape
        )

    inner = backbone((None, None, 3))
    inputs = keras.Input((64, 64, 3), name="image")
    x = keras.layers.GlobalAveragePooling2D(name="pool")(inner(inputs))
    outer = keras.Model(inputs, keras.layers.Dense(5, name="head")(x))
    table = layer_table(outer)
    assert table.total_params == outer.count_params()
    assert [row.name for row in table.rows[-2:]] == ["pool", "head"]
    assert all(row.name.startswith(f"{inner.name}/") for row in table.rows[1:-2])
    # The same backbone built for 64x64 directly gives the same shapes, layer by layer.
    direct = layer_table(backbone((64, 64, 3)))
    assert [r.output_shape for r in table.rows[1:-2]] == [r.output_shape for r in direct.rows[1:]]
    assert table.total_activations == direct.total_activations + 1280 + 5


def test_sequential_and_shared_layers():
    sequential = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, name="conv"),
         keras.layers.MaxPooling2D(name="pool"), keras.layers.Flatten(name="flat"),
         keras.layers.Dense(10, name="out")]
    )  # fmt: skip
    table = layer_table(sequential)
    assert [r.output_shape for r in table.rows] == [(28, 28, 1), (26, 26, 8), (13, 13, 8),
                                                    (1352,), (10,)]  # fmt: skip
    assert table.total_params == sequential.count_params() == 80 + 13530
    assert table.total_activations == 784 + 5408 + 1352 + 10
    shared = keras.layers.Dense(4, name="shared")
    left, right = keras.Input((3,), name="left"), keras.Input((3,), name="right")
    summed = keras.layers.Add(name="add")([shared(left), shared(right)])
    twin = keras.Model([left, right], keras.Sequential([keras.layers.Dense(2)], name="s")(summed))
    table = layer_table(twin)
    assert table.total_params == twin.count_params() == 16 + 10
    assert [row.name for row in table.rows][2:4] == ["shared", "shared (call 2)"]
    assert table.total_flops == 12 + 12 + 8


def test_receptive_field_matches_input_gradients():
    """Brute force: the input pixels that influence one output unit span its receptive field."""
    ones = {"kernel_initializer": "ones", "use_bias": False, "padding": "same"}
    model = keras.Sequential(
        [keras.Input((64, 64, 1)), keras.layers.Conv2D(1, 3, **ones),
         keras.layers.AveragePooling2D(2), keras.layers.Conv2D(1, 3, dilation_rate=2, **ones),
         keras.layers.Conv2D(1, 5, strides=2, **ones)]
    )  # fmt: skip
    last = layer_table(model).rows[-1]
    images = tf.ones((1, 64, 64, 1))
    spans, starts = [], []
    for column in (7, 8):
        with tf.GradientTape() as tape:
            tape.watch(images)
            unit = model(images)[0, 8, column, 0]
        touched = np.nonzero(tape.gradient(unit, images).numpy()[0, :, :, 0].sum(axis=0))[0]
        spans.append(touched.max() - touched.min() + 1)
        starts.append(touched.min())
    assert last.receptive_field == (spans[0], spans[0]) == (20, 20)
    assert last.jump == (starts[1] - starts[0],) * 2 == (4, 4)


def test_no_data_flows_through_layers(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a layer was called on data")

    model = lenet5()
    monkeypatch.setattr(keras.layers.Conv2D, "call", refuse)
    monkeypatch.setattr(keras.layers.Dense, "call", refuse)
    assert layer_table(model).total_params == 61_706


def test_text_and_html_views(vgg_table):
    text = str(vgg_table)
    assert "block3_conv2" in text and "15,237,608" in text and "138,357,544" in text
    assert "Adam (x4" in text and "one multiply-add = one FLOP" in text
    page = vgg_table._repr_html_()
    assert page.count("<tr>") == len(vgg_table.rows) + 1


def test_input_shape_override_for_unknown_sizes():
    model = keras.applications.MobileNetV2(
        alpha=0.35, include_top=False, weights=None, input_shape=(None, None, 3)
    )
    with pytest.raises(ValueError, match="`input_shape` must give every per-image size"):
        layer_table(model)
    assert layer_table(model, input_shape=(96, 96, 3)).rows[-1].output_shape == (3, 3, 1280)
    with pytest.raises(ValueError, match="`input_shape` must be one per-image shape of rank 3"):
        layer_table(model, input_shape=(96, 96))


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)


@pytest.mark.parametrize(
    ("model", "kwargs", "error", "message"),
    [
        ("lenet", {"batch_size": 0}, ValueError, "`batch_size` must be a positive int. Got 0"),
        ("lenet", {"dtype": "int8"}, ValueError, "`dtype` must be one of float16"),
        ("subclassed", {}, TypeError, "subclassed"),
        ("unbuilt", {}, ValueError, "must be built"),
        ("array", {}, TypeError, "`model` must be a keras.Model"),
    ],
)
def test_bad_input(model, kwargs, error, message):
    model = {
        "lenet": lambda: lenet5(),
        "subclassed": _Subclassed,
        "unbuilt": lambda: keras.Sequential([keras.layers.Dense(2)]),
        "array": lambda: np.zeros(3),
    }[model]()
    with pytest.raises(error, match=message):
        layer_table(model, **kwargs)


def test_compare_models(vgg, keras_resnet50):
    before = plt.get_fignums()
    small_vgg = vgg16(input_shape=(32, 32, 3), num_classes=10, width=0.125, dense_units=16)
    comparison = compare_models(["lenet5", vgg, keras_resnet50, small_vgg])
    assert plt.get_fignums() == before  # nothing opened through pyplot, nothing shown
    assert isinstance(comparison.figure, Figure) and len(comparison.figure.axes) == 2
    rows = {row["name"]: row for row in comparison.rows[:3]}
    assert rows["vgg16"]["params"] == 138_357_544
    assert rows["vgg16"]["flops"] == layer_table(vgg).total_flops
    assert rows["vgg16"]["activation_bytes"] == 15_237_608 * 4
    assert rows["resnet50"]["params"] == keras_resnet50.count_params()
    assert [row["top1"] for row in comparison.rows] == [None, 0.713, 0.749, None]
    assert "71.3%" in str(comparison) and "<table>" in comparison._repr_html_()


@pytest.mark.parametrize(
    ("argument", "error", "message"),
    [([], ValueError, "at least one"), ([3], TypeError, "registry names"),
     (["vgg"], ValueError, "`name` must be one of")],
)  # fmt: skip
def test_compare_models_bad_input(argument, error, message):
    with pytest.raises(error, match=message):
        compare_models(argument)
