"""Checks of lab 04 (ConvNet design). Each probe returns plain data; the grader compares it with the solution's.

Models are probed structurally: every layer is described by its type, settings, output shape and
parameters, and for functional graphs by the layers it reads (from ``model.get_config()``), so the
wiring is part of the answer. The subclassed residual block is probed by behaviour: with chosen
weights, and with one convolution zeroed, its output must match the reference block's.
Hidden checks (``hidden=True``) build the students' models again with other sizes.
"""

import json

import numpy as np

from cnnlab.grading.checks import probe


def plain_int(value):
    """Python and numpy ints as an int; anything else as its repr (a float is a mistake)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    return repr(value)


def shape_of(tensor):
    """A tensor's shape without the batch axis, as a list."""
    return [None if d is None else int(d) for d in tuple(tensor.shape)[1:]]


def signature(layer, output):
    """One line describing a layer: type, settings that matter, output shape."""
    kind = type(layer).__name__
    config = layer.get_config()
    if kind == "Activation" and config.get("activation") == "relu":
        kind, config = "ReLU", {}
    parts = [kind]
    if "kernel_size" in config:
        parts.append("x".join(str(k) for k in config["kernel_size"]))
    if "pool_size" in config:
        parts.append("pool " + "x".join(str(k) for k in config["pool_size"]))
    if "filters" in config:
        parts.append(f"{config['filters']} filters")
    if "units" in config:
        parts.append(f"{config['units']} units")
    if "strides" in config and tuple(config["strides"]) != (1, 1):
        parts.append("stride " + "x".join(str(s) for s in config["strides"]))
    activation = config.get("activation")
    if isinstance(activation, str) and activation != "linear":
        parts.append(activation)
    if config.get("use_bias") is False:
        parts.append("no bias")
    parts.append("-> " + "x".join(str(d) for d in shape_of(output)))
    return " ".join(parts)


def read_names(inbound):
    """Names of the layers whose outputs a config's ``inbound_nodes`` entry reads, in order."""
    if isinstance(inbound, dict):
        history = inbound.get("config", {}).get("keras_history") if "config" in inbound else None
        if isinstance(history, (list, tuple)) and history:
            return [history[0]]
        return [name for value in inbound.values() for name in read_names(value)]
    if isinstance(inbound, (list, tuple)):
        return [name for value in inbound for name in read_names(value)]
    return []


def graph(model):
    """A functional model as sorted ``{"layer", "reads"}`` items, plus output shape and parameters."""
    layers = {layer.name: layer for layer in model.layers}
    signatures = {name: signature(layer, layer.output) for name, layer in layers.items()}
    items = [
        {
            "layer": signatures[entry["name"]],
            "reads": [signatures[n] for n in read_names(entry["inbound_nodes"])],
        }
        for entry in model.get_config()["layers"]
    ]
    items.sort(key=lambda item: json.dumps(item, sort_keys=True))
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return {
        "output": shape_of(model.outputs[0]),
        "params": int(model.count_params()),
        "trainable": trainable,
        "graph": items,
    }


def functional(builder, input_shape, *args, **kwargs):
    """``keras.Model`` from an Input through ``builder(x, *args, **kwargs)``, described by ``graph``."""
    import keras

    inputs = keras.Input(input_shape)
    return graph(keras.Model(inputs, builder(inputs, *args, **kwargs)))


def graph_hint(expected, got):
    """Name the first layer (with what it reads) that the student's graph lacks."""
    if not isinstance(got, dict) or "graph" not in got:
        return None
    have = {json.dumps(item, sort_keys=True) for item in got["graph"]}
    for item in expected["graph"]:
        if json.dumps(item, sort_keys=True) not in have:
            reads = " and ".join(item["reads"]) or "the input"
            return f"Expected a layer `{item['layer']}` reading `{reads}`; yours has none wired like that."
    extra = [item["layer"] for item in got["graph"] if json.dumps(item, sort_keys=True) not in
             {json.dumps(i, sort_keys=True) for i in expected["graph"]}]  # fmt: skip
    if extra:
        return f"Your graph has a layer that does not belong: `{extra[0]}`."
    if got["params"] != expected["params"]:
        return f"Expected {expected['params']} parameters, got {got['params']}."
    return None


# ---------------------------------------------------------------- q1 LeNet-5, Sequential
def layer_list(model, input_shape):
    """Each layer of a Sequential model: type, activation, output shape and parameters."""
    import keras

    x = keras.Input(input_shape)
    described = []
    for layer in model.layers:
        x = layer(x)
        described.append({"layer": signature(layer, x), "params": int(layer.count_params())})
    return {"class": type(model).__name__, "layers": described}


def lenet_hint(expected, got):
    """The first layer that differs from LeNet-5's table."""
    if not isinstance(got, dict) or got.get("class") != "Sequential":
        return "`build_lenet` must return a keras.Sequential model."
    if "layers" not in got:
        return None
    want, have = expected["layers"], got["layers"]
    for index, (a, b) in enumerate(zip(want, have, strict=False)):
        if a != b:
            return (
                f"Layer {index + 1} should be `{a['layer']}` with {a['params']} parameters; yours is "
                f"`{b['layer']}` with {b['params']}."
            )
    if len(have) != len(want):
        return f"LeNet-5 has {len(want)} layers after the Input here; yours has {len(have)}."
    return None


@probe(
    "q1",
    points=1,
    compare="exact",
    message="A Sequential model with 61,706 parameters and a 10-way softmax output.",
)
def q1_lenet_total(namespace):
    model = namespace["build_lenet"]()
    return {"class": type(model).__name__, "output": shape_of(model.outputs[0]),
            "params": int(model.count_params())}  # fmt: skip






# ---------------------------------------------------------------- q2 training on digits
def digit_accuracy(model, part):
    """Accuracy of ``model`` on half of the real test digits (``part`` 0 or 1)."""
    from cnnlab.data import load_digits

    digits = load_digits(32)
    half = len(digits.x_test) // 2
    images = digits.x_test[:half] if part == 0 else digits.x_test[half:]
    labels = digits.y_test[:half] if part == 0 else digits.y_test[half:]
    predicted = np.argmax(np.asarray(model.predict(images, verbose=0)), axis=-1)
    return float(np.mean(predicted == labels))


@probe(
    "q2",
    points=1,
    compare="exact",
    message="Train `lenet` for `epochs` epochs: over 80% of the first test digits right.",
)
def q2_trained(namespace):
    history = namespace["history"].history
    return {
        "above_80_percent": digit_accuracy(namespace["lenet"], 0) > 0.8,
        "one_history_entry_per_epoch": len(history["loss"]) == namespace["epochs"],
    }




# ---------------------------------------------------------------- q3 Inception module
@probe(
    "q3",
    points=1,
    message="GoogLeNet's 3a module on 28x28x192: 28x28x256 and 163,696 parameters.",
    hint=graph_hint,
)
def q3_inception_model(namespace):
    return graph(namespace["inception_model"])




# ---------------------------------------------------------------- q4 residual block
def set_weights(layer, seed, *, zero=False):
    """Give ``layer`` reproducible random weights (or zeros), whatever shapes it has."""
    generator = np.random.default_rng(seed)
    layer.set_weights(
        [
            np.zeros(w.shape) if zero else generator.normal(0, 0.3, size=w.shape)
            for w in layer.get_weights()
        ]
    )


def block_output(namespace, filters, input_shape, seed, *, zero=(), kernel_size=3):
    """The student's ResidualBlock on a random input, after setting conv1/conv2's weights."""
    block = namespace["ResidualBlock"](filters, kernel_size=kernel_size)
    x = np.random.default_rng(seed).normal(size=input_shape).astype("float32")
    block(x)  # builds the layers
    for offset, name in enumerate(("conv1", "conv2")):
        set_weights(getattr(block, name), seed + offset + 1, zero=name in zero)
    return np.asarray(block(x)), x


def block_hint(filters, input_shape, seed, *, zero=(), kernel_size=3):
    """A hint recognising wiring mistakes, recomputed in numpy with the weights block_output sets."""

    def hint(expected, got):
        from cnnlab.conv import conv2d

        x = np.random.default_rng(seed).normal(size=input_shape).astype("float32")
        shapes = [(kernel_size, kernel_size, input_shape[-1], filters), (filters,)]
        weights = {}
        for offset, name in enumerate(("conv1", "conv2")):
            generator = np.random.default_rng(seed + offset + 1)
            weights[name] = [
                np.zeros(shape) if name in zero else generator.normal(0, 0.3, size=shape)
                for shape in shapes
            ]

        def conv(value, name):
            return conv2d(value, weights[name][0], padding="same", bias=weights[name][1])

        first = np.maximum(conv(x, "conv1"), 0)
        mistakes = {
            "conv2 reads the block's input instead of conv1's output: chain them, conv2(conv1(x))": (
                np.maximum(conv(x, "conv2") + x, 0)
            ),
            "The shortcut adds conv1's output: add the block's input x instead": (
                np.maximum(conv(first, "conv2") + first, 0)
            ),
            "The ReLU after the addition is missing": conv(first, "conv2") + x,
            "There is no shortcut: add the block's input before the last ReLU": (
                np.maximum(conv(first, "conv2"), 0)
            ),
        }
        got = np.asarray(got)
        for text, value in mistakes.items():
            if value.shape == got.shape and np.allclose(got, value, rtol=1e-4, atol=1e-4):
                return text + "."
        return None

    return hint


@probe(
    "q4",
    points=1,
    compare="exact",
    message="Two same-padded convolutions `self.conv1`, `self.conv2`: 2 x (3*3*4*4 + 4) = 296 parameters.",
)
def q4_shape_params(namespace):
    block = namespace["ResidualBlock"](4)
    output = block(np.zeros((2, 6, 5, 4), "float32"))
    return {"shape": [int(d) for d in output.shape], "params": int(block.count_params()),
            "conv1": [int(d) for d in block.conv1.kernel.shape],
            "conv2": [int(d) for d in block.conv2.kernel.shape]}  # fmt: skip


@probe(
    "q4",
    points=1,
    rtol=1e-4,
    atol=1e-5,
    message="relu(conv2(conv1(x)) + x): conv2 must read conv1's output, the shortcut adds x.",
    hint=block_hint(4, (2, 6, 5, 4), 100),
)
def q4_values(namespace):
    return block_output(namespace, 4, (2, 6, 5, 4), 100)[0]








# ---------------------------------------------------------------- q5 mini-ResNet
def resnet_answers(namespace, input_shape, **kwargs):
    model = namespace["MiniResNet"](**kwargs)
    output = model(np.zeros(input_shape, "float32"))
    return {"shape": [int(d) for d in output.shape], "params": int(model.count_params())}


def resnet_hint(expected, got):
    if isinstance(got, dict) and got.get("shape") == expected["shape"] and "params" in got:
        return (
            f"Right output shape, but {got['params']} parameters instead of {expected['params']}."
        )
    return None


@probe(
    "q5",
    points=1,
    compare="exact",
    message="Defaults on 32x32x1 digits: (2, 10) probabilities and 9,610 parameters.",
    hint=resnet_hint,
)
def q5_defaults(namespace):
    return resnet_answers(namespace, (2, 32, 32, 1))




# ---------------------------------------------------------------- q6 batch-normalised block
def bn_hint(expected, got):
    if isinstance(got, dict) and isinstance(got.get("params"), int):
        filters = int(expected["output"][-1])
        if got["params"] - expected["params"] == filters:
            return "One parameter per filter too many: use_bias=False, BatchNormalization's offset replaces it."
    return graph_hint(expected, got)


@probe(
    "q6",
    points=1,
    message="Conv2D(8, 3, use_bias=False) -> BatchNormalization -> ReLU on 16x16x3.",
    hint=bn_hint,
)
def q6_block(namespace):
    return functional(namespace["conv_bn_block"], (16, 16, 3), 8)




# ---------------------------------------------------------------- q7 separable vs standard
def count_answers(namespace, cases):
    answers = []
    for kernel_size, in_channels, filters in cases:
        counts = namespace["param_counts"](kernel_size, in_channels, filters)
        answers.append({key: plain_int(counts[key]) for key in ("standard", "separable")})
    return answers


def count_hint(expected, got):
    """Bias mistakes in either formula."""
    if not isinstance(got, list) or len(got) != len(expected):
        return None
    for want, have in zip(expected, got, strict=True):
        for key in ("standard", "separable"):
            if have.get(key) != want[key] and isinstance(have.get(key), int):
                gap = want[key] - have[key]
                return (
                    f"`{key}` is off by {abs(gap)}: count one bias per output filter, and no bias "
                    "in the depthwise step of a separable convolution."
                )
    return None


@probe(
    "q7",
    points=1,
    compare="exact",
    message="3x3, 64 -> 128 channels: 73,856 and 8,896.",
    hint=count_hint,
)
def q7_counts(namespace):
    return count_answers(namespace, [(3, 64, 128)])


