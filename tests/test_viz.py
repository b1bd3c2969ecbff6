"""cnnlab.viz: look at the pixels and numbers drawn, against Keras, scipy, scikit-learn and the slides."""

import matplotlib

matplotlib.use("Agg")

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image
from scipy.signal import correlate
from skimage import data as skdata

from cnnlab.conv import sample_image_5x5
from cnnlab.viz import (
    animate_convolution,
    animate_pooling,
    convolution_diagram,
    imshow,
    nearest_neighbors,
    plot_confusion_matrix,
    plot_history,
    show_feature_maps,
    show_images,
    show_kernels,
    show_nearest,
    tsne_map,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def axes_pixels(fig, ax):
    """The RGBA pixels rendered inside one Axes (Agg, as savefig would render them)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    buffer = np.asarray(canvas.buffer_rgba())
    box = ax.get_window_extent()
    height = buffer.shape[0]
    return buffer[
        int(height - box.y1) + 1 : int(height - box.y0) - 1, int(box.x0) + 1 : int(box.x1) - 1
    ].copy()


# --- imshow and grids -------------------------------------------------------------------------


def test_float_0_255_photo_draws_exactly_like_the_uint8_photo():
    photo = skdata.chelsea()  # uint8 (300, 451, 3)
    as_uint8 = imshow(photo)
    as_float = imshow(photo.astype("float32"))
    assert as_uint8.cnnlab_note == ""
    assert "[0, 255]" in as_float.cnnlab_note
    np.testing.assert_array_equal(
        axes_pixels(as_uint8, as_uint8.axes[0]), axes_pixels(as_float, as_float.axes[0])
    )
    # plain matplotlib clips the float photo to [0, 1]: almost all white, the lab's "garbage"
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(np.clip(photo.astype("float32"), 0, 1))
    ax.set_xticks([])
    ax.set_yticks([])
    assert not np.array_equal(axes_pixels(fig, ax), axes_pixels(as_uint8, as_uint8.axes[0]))


def test_unit_float_and_signed_images_are_scaled_and_said_so():
    photo = skdata.camera()  # uint8 grey (512, 512)
    unit = imshow(photo / 255.0)
    assert unit.cnnlab_note == ""
    np.testing.assert_allclose(unit.axes[0].images[0].get_array(), photo / 255.0)
    edges = correlate(photo.astype(float), np.array([[1, 0, -1]] * 3), mode="valid")
    signed = imshow(edges)
    assert "min-max scaled" in signed.cnnlab_note
    drawn = np.asarray(signed.axes[0].images[0].get_array())
    assert drawn.min() == 0 and drawn.max() == 1
    np.testing.assert_allclose(drawn, (edges - edges.min()) / (edges.max() - edges.min()))


def test_a_relu_map_with_small_values_is_stretched_not_drawn_black():
    grey = skdata.camera() / 255.0
    edges = np.hypot(
        correlate(grey, [[1, 0, -1]] * 3), correlate(grey, np.transpose([[1, 0, -1]] * 3))
    )
    assert 1 < edges.max() < 64  # a ReLU-like map: non-negative, a few units at most
    drawn = np.asarray(imshow(edges).axes[0].images[0].get_array())
    assert drawn.max() == pytest.approx(1) and "min-max" in imshow(edges).cnnlab_note


def test_figures_show_themselves_in_jupyter_without_pyplot():
    png = imshow(skdata.camera())._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(__import__("io").BytesIO(png)) as picture:
        assert picture.size[0] > 100


@pytest.mark.parametrize("shape", [(4,), (2, 3, 4, 3), (5, 5, 2)])
def test_imshow_rejects_wrong_shapes_naming_the_argument(shape):
    with pytest.raises(ValueError, match="`image`"):
        imshow(np.zeros(shape))


def test_show_images_draws_one_panel_per_image_and_checks_titles():
    images = [skdata.astronaut(), skdata.coffee(), skdata.chelsea()]
    fig = show_images(images, ["astronaut", "coffee", "cat"], ncols=2)
    drawn = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in drawn] == ["astronaut", "coffee", "cat"]
    mixed = show_images([skdata.camera(), skdata.camera() * 2.0 - 100])
    assert mixed.cnnlab_notes[0] == "" and "min-max" in mixed.cnnlab_notes[1]
    assert [t.get_text() for t in mixed.texts] == ["1 of 2 images: " + mixed.cnnlab_notes[1]]
    with pytest.raises(ValueError, match="`titles`"):
        show_images(images, ["one"])


def test_show_kernels_draws_first_layer_filters_as_scaled_rgb_tiles():
    layer = keras.layers.Conv2D(6, 5, name="conv1")
    layer.build((None, 32, 32, 3))
    kernel = np.asarray(layer.kernel)
    fig = show_kernels(layer)
    tiles = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(tiles) == 6
    expected = (kernel[..., 2] - kernel[..., 2].min()) / np.ptp(kernel[..., 2])
    np.testing.assert_allclose(tiles[2], expected, rtol=1e-6)
    model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(12, 3)])
    grey = show_kernels(model, ncols=4)  # one input channel: one grey tile per filter, 4 a row
    drawn = [ax for ax in grey.axes if ax.images]
    assert len(drawn) == 12
    assert len({round(ax.get_position().y0, 3) for ax in drawn}) == 3
    with pytest.raises(ValueError, match="`kernels_or_layer`"):
        show_kernels(np.zeros((3, 3, 3, 3, 3)))


# --- feature maps in nested models -------------------------------------------------------------


def nested_classifier(classes=3):
    keras.utils.set_random_seed(1)
    inner_input = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(8, 3, activation="relu", name="block1_conv")(inner_input)
    x = keras.layers.MaxPooling2D(name="block1_pool")(x)
    x = keras.layers.Conv2D(16, 3, activation="relu", name="block2_conv")(x)
    backbone = keras.Model(inner_input, x, name="backbone")
    inputs = keras.Input((32, 32, 3))
    y = keras.layers.Rescaling(1 / 255.0, name="rescale")(inputs)
    y = backbone(y)
    y = keras.layers.GlobalAveragePooling2D(name="pool")(y)
    outputs = keras.layers.Dense(classes, activation="softmax", name="head")(y)
    return keras.Model(inputs, outputs), backbone


def test_feature_maps_of_a_layer_inside_a_nested_model_match_keras():
    model, backbone = nested_classifier()
    image = skdata.astronaut()[::16, ::16][:32, :32].astype("float32")
    fig = show_feature_maps(model, image, layer="block1_conv")
    reference = keras.Model(backbone.input, backbone.get_layer("block1_conv").output)
    expected = np.asarray(reference(image[None] / 255.0))[0]
    np.testing.assert_allclose(fig.cnnlab_maps, expected, rtol=1e-5, atol=1e-6)
    assert len([ax for ax in fig.axes if ax.images]) == 8
    # default: the deepest spatial layer (the backbone's last convolution)
    assert show_feature_maps(model, image).cnnlab_maps.shape == (13, 13, 16)
    with pytest.raises(ValueError, match="`layer`"):
        show_feature_maps(model, image, layer="block9_conv")
    with pytest.raises(ValueError, match="`image`"):
        show_feature_maps(model, image[None, None])


# --- animations --------------------------------------------------------------------------------


def output_colours(anim):
    return [
        matplotlib.colors.to_hex(r.get_facecolor()) for r in anim.picture.output_grid.cells.values()
    ]


def test_slide_example_animation_ends_with_the_slide_output():
    image, kernel = sample_image_5x5()
    anim = animate_convolution(5, 3, values=image, kernel=kernel)
    assert anim.frame_count == 9 and anim.output_shape == (3, 3)
    np.testing.assert_array_equal(anim.output, [[12, 12, 17], [10, 17, 19], [9, 6, 14]])
    anim.show_frame(0)
    assert anim.picture.filled_cells() == 1
    anim.show_frame(8)
    assert anim.picture.filled_cells() == 9
    texts = {
        rc: t.get_text() for rc, t in anim.picture.output_grid.texts.items() if t.get_visible()
    }
    assert [texts[r, c] for r in range(3) for c in range(3)] == [
        "12", "12", "17", "10", "17", "19", "9", "6", "14"
    ]  # fmt: skip
    # the window of the last frame covers the bottom-right 3x3 input cells
    assert sorted(anim.picture.window(8)) == [(r, c) for r in range(2, 5) for c in range(2, 5)]


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "dilation"),
    [(5, 3, 2, 1, 1), (7, 3, 1, 0, 2), ((6, 5), (3, 2), (2, 1), (1, 0), 1), (4, 4, 1, 2, 1)],
)
def test_one_frame_per_output_position_with_keras_geometry(size, kernel, stride, padding, dilation):
    rows, cols = (size, size) if np.isscalar(size) else size
    anim = animate_convolution(
        size, kernel, stride=stride, padding=padding, dilation=dilation, channels=2
    )
    layer = keras.layers.Conv2D(1, kernel, strides=stride, dilation_rate=dilation)
    pads = (padding, padding) if np.isscalar(padding) else padding
    keras_shape = layer.compute_output_shape((1, rows + 2 * pads[0], cols + 2 * pads[1], 2))
    assert anim.output_shape == tuple(keras_shape[1:3])
    assert anim.frame_count == keras_shape[1] * keras_shape[2]
    # every output value recomputed with scipy from the drawn (padded) input and the kernel,
    # the kernel dilated by inserting zeros, the result subsampled by the stride
    padded, kernel_values = anim.picture.inputs, anim.picture.kernel
    dh, dw = (dilation, dilation) if np.isscalar(dilation) else dilation
    dilated = np.zeros(
        ((kernel_values.shape[0] - 1) * dh + 1, (kernel_values.shape[1] - 1) * dw + 1, 2)
    )
    dilated[::dh, ::dw] = kernel_values
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    full = sum(correlate(padded[..., c], dilated[..., c], mode="valid") for c in range(2))
    np.testing.assert_allclose(anim.output, full[::sh, ::sw])
    for index in range(anim.frame_count):  # each window lies inside the padded input
        assert all(
            0 <= i < padded.shape[0] and 0 <= j < padded.shape[1]
            for i, j in anim.picture.window(index)
        )
    anim.show_frame(anim.frame_count - 1)
    assert set(output_colours(anim)) <= {"#9fd3a6", "#2e8b57"}  # every output cell computed


def test_multichannel_output_is_the_channel_sum_of_correlations():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 5, (6, 6, 3)).astype(float)
    kernel = rng.integers(-1, 2, (3, 3, 3)).astype(float)
    anim = animate_convolution(6, 3, channels=3, values=values, kernel=kernel, padding=1)
    padded = np.pad(values, ((1, 1), (1, 1), (0, 0)))
    expected = sum(correlate(padded[..., c], kernel[..., c], mode="valid") for c in range(3))
    np.testing.assert_allclose(anim.output, expected)
    assert len(anim.picture.input_grids) == 3


def test_animation_saves_a_gif_with_one_frame_per_position_and_plays_in_jupyter(tmp_path):
    anim = animate_convolution(4, 3, stride=1, padding=0)
    path = tmp_path / "conv.gif"
    anim.save(path)
    with Image.open(path) as gif:
        assert gif.n_frames == anim.frame_count == 4
    assert "<script" in anim.to_jshtml()


def test_pooling_animation_matches_keras_pooling():
    values = np.arange(36, dtype=float).reshape(6, 6) % 7
    anim = animate_pooling(6, 2, values=values)
    expected = keras.layers.MaxPooling2D(2)(values[None, :, :, None].astype("float32"))
    np.testing.assert_allclose(anim.output, np.asarray(expected)[0, :, :, 0])
    average = animate_pooling(6, 3, stride=1, values=values, mode="average")
    reference = keras.layers.AveragePooling2D(3, strides=1)(
        values[None, :, :, None].astype("float32")
    )
    np.testing.assert_allclose(average.output, np.asarray(reference)[0, :, :, 0], rtol=1e-6)
    assert average.frame_count == 16
    with pytest.raises(ValueError, match="`mode`"):
        animate_pooling(mode="min")


def test_bad_geometry_is_rejected_with_the_formula():
    with pytest.raises(ValueError, match="kernel"):
        animate_convolution(3, 5)
    with pytest.raises(ValueError, match="`values`"):
        animate_convolution(5, 3, values=np.zeros((4, 4)))
    with pytest.raises(ValueError, match="`channels`"):
        animate_convolution(5, 3, channels=0)


def test_static_diagram_shows_the_full_output_and_one_window():
    image, kernel = sample_image_5x5()
    fig = convolution_diagram(5, 3, values=image, kernel=kernel, position=4)
    np.testing.assert_array_equal(fig.cnnlab_output, [[12, 12, 17], [10, 17, 19], [9, 6, 14]])
    window_cells = [
        rect
        for rect in fig.axes[0].patches
        if matplotlib.colors.to_hex(rect.get_facecolor()) == "#2b7bba"
    ]
    assert len(window_cells) == 9


# --- embeddings and nearest neighbours ---------------------------------------------------------


def test_tsne_places_two_separated_clusters_apart():
    rng = np.random.default_rng(0)
    features = np.vstack([rng.normal(0, 1, (60, 64)), rng.normal(8, 1, (60, 64))])
    labels = np.repeat([0, 1], 60)
    fig = tsne_map(features, labels=labels, perplexity=15, class_names=["a", "b"])
    drawn = fig.axes[0].collections[0].get_offsets()
    np.testing.assert_allclose(drawn, fig.cnnlab_embedding)
    a, b = drawn[labels == 0], drawn[labels == 1]
    gap = np.linalg.norm(a.mean(0) - b.mean(0))
    spread = max(
        np.linalg.norm(a - a.mean(0), axis=1).max(), np.linalg.norm(b - b.mean(0), axis=1).max()
    )
    assert gap > 1.5 * spread


def test_tsne_map_with_thumbnails_and_bad_input():
    digits = __import__("sklearn.datasets", fromlist=["load_digits"]).load_digits()
    fig = tsne_map(digits.data[:80], images=digits.images[:80], perplexity=10)
    assert len(fig.axes[0].artists) == 80
    with pytest.raises(ValueError, match="`images`"):
        tsne_map(digits.data[:80], images=digits.images[:5])
    with pytest.raises(ValueError, match="`features`"):
        tsne_map(np.zeros(10))
    with pytest.raises(ValueError, match="`perplexity`"):
        tsne_map(digits.data[:20], perplexity=30)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_nearest_neighbors_agree_with_scikit_learn(metric):
    from sklearn.neighbors import NearestNeighbors

    features = np.random.default_rng(1).normal(size=(50, 20))
    ours, distances = nearest_neighbors(features, 7, k=5, metric=metric)
    reference = NearestNeighbors(n_neighbors=6, metric=metric).fit(features)
    ref_distances, ref_indices = reference.kneighbors(features[7:8])
    assert ref_indices[0][0] == 7  # the query itself comes first in scikit-learn
    np.testing.assert_array_equal(ours, ref_indices[0][1:])
    np.testing.assert_allclose(distances, ref_distances[0][1:], atol=1e-9)


def test_show_nearest_draws_query_then_neighbours():
    digits = __import__("sklearn.datasets", fromlist=["load_digits"]).load_digits()
    fig = show_nearest(digits.data[:200], digits.images[:200], 0, k=4, titles=digits.target[:200])
    assert len(fig.axes) == 5
    assert fig.axes[0].get_title().startswith("query #0")
    # the nearest digits of a 0 are mostly zeros: a real check that features carry meaning
    assert np.mean(digits.target[fig.cnnlab_neighbors] == digits.target[0]) >= 0.75
    with pytest.raises(ValueError, match="`query_index`"):
        show_nearest(digits.data[:20], digits.images[:20], 20)
    with pytest.raises(ValueError, match="`metric`"):
        nearest_neighbors(digits.data[:20], 0, metric="manhattan")


# --- training pictures -------------------------------------------------------------------------


def test_history_joins_phases_and_marks_fine_tuning():
    head = {"loss": [1.0, 0.7, 0.5], "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.5, 0.6, 0.7]}
    tune = {"loss": [0.4, 0.3], "accuracy": [0.85, 0.9], "val_accuracy": [0.75, 0.8]}
    fig = plot_history(head, tune)
    assert fig.cnnlab_boundaries == [3]
    accuracy_axes = fig.axes[1]
    training = accuracy_axes.lines[0]
    np.testing.assert_array_equal(training.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_allclose(training.get_ydata(), [0.5, 0.7, 0.8, 0.85, 0.9])
    markers = [line for line in accuracy_axes.lines if line.get_linestyle() == ":"]
    assert markers and markers[0].get_xdata()[0] == 3.5
    assert any("fine-tuning" in t.get_text() for t in accuracy_axes.texts)
    with pytest.raises(ValueError, match="`metrics`"):
        plot_history(head, metrics=("auc",))
    with pytest.raises(ValueError, match="history"):
        plot_history([1, 2])


def test_confusion_matrix_counts_by_hand():
    y_true = [0, 0, 1, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 2, 0]
    fig = plot_confusion_matrix(y_true, y_pred, ["cat", "dog", "fox"])
    expected = np.zeros((3, 3))
    np.add.at(expected, (y_true, y_pred), 1)
    np.testing.assert_array_equal(fig.cnnlab_matrix, expected)
    assert fig.axes[0].get_title() == "accuracy 57.1%"
    normalised = plot_confusion_matrix(y_true, y_pred, normalize=True).cnnlab_matrix
    np.testing.assert_allclose(normalised.sum(axis=1), 1)
    with pytest.raises(ValueError, match="`class_names`"):
        plot_confusion_matrix(y_true, y_pred, ["cat"])


# --- Grad-CAM ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes_model():
    from cnnlab.data import make_shapes

    keras.utils.set_random_seed(0)
    train = make_shapes(600, image_size=48, seed=0)
    model = keras.Sequential(
        [
            keras.Input((48, 48, 3)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(name="pool1"),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
            # maps of 24 x 24: a 12 x 12 map localises to within a cell (4 px), which can put
            # the hottest pixel of a square's corner one or two pixels outside its tight box
            keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="conv3"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(3, activation="softmax", name="classes"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(train.images, train.labels, epochs=8, batch_size=32, verbose=0)
    test = make_shapes(60, image_size=48, seed=1)
    accuracy = model.evaluate(test.images, test.labels, verbose=0)[1]
    assert accuracy > 0.8, f"the test CNN did not learn the shapes ({accuracy:.2f})"
    return model, test


def test_grad_cam_looks_at_the_object(shapes_model):
    from cnnlab.viz import grad_cam

    model, test = shapes_model
    # Grad-CAM cannot localise finer than one cell of its layer: conv3's 24 x 24 maps on a
    # 48 x 48 image make a cell 2 px wide. Edge and corner detectors (the evidence for
    # "square") peak on the boundary, so the hottest pixel may sit in the cell straddling it:
    # the box is grown by that one cell. Measured over seeds 0-3 on 150 images: 100 % within
    # the grown box, 73-93 % strictly inside the tight box.
    cell = 48 // model.get_layer("conv3").output.shape[1]
    inside = hotter_inside = 0
    for image, (y0, x0, y1, x1) in zip(test.images, test.boxes, strict=True):
        heatmap = grad_cam(model, image)
        assert (
            heatmap.shape == (48, 48) and heatmap.min() >= 0 and heatmap.max() == pytest.approx(1)
        )
        y, x = np.unravel_index(np.argmax(heatmap), heatmap.shape)
        inside += bool(y0 - cell <= y < y1 + cell and x0 - cell <= x < x1 + cell)
        box = np.zeros(heatmap.shape, bool)
        box[y0:y1, x0:x1] = True
        hotter_inside += bool(heatmap[box].mean() > 2 * heatmap[~box].mean())
    assert inside / len(test.images) >= 0.9
    assert hotter_inside / len(test.images) >= 0.9


def reference_grad_cam(model, image, class_index):
    """The textbook recipe on a Functional rebuild: tape over (conv maps, pre-softmax logits)."""
    import tensorflow as tf

    inputs = keras.Input((48, 48, 3))
    x = inputs
    for layer in model.layers[:-1]:
        x = layer(x)
        if layer.name == "conv3":
            maps = x
    tap = keras.Model(inputs, [maps, x])
    dense = model.layers[-1]
    with tf.GradientTape() as tape:
        conv, pooled = tap(image[None])
        logits = tf.matmul(pooled, dense.kernel) + dense.bias
        score = logits[0, class_index]
    grads = tape.gradient(score, conv)[0].numpy()
    cam = np.maximum(np.tensordot(conv[0].numpy(), grads.mean(axis=(0, 1)), axes=([2], [0])), 0)
    heatmap = tf.image.resize(cam[None, :, :, None], (48, 48)).numpy()[0, :, :, 0]
    return heatmap / heatmap.max()


def test_grad_cam_is_the_same_for_sequential_functional_nested_and_subclassed(shapes_model):
    from cnnlab.viz import grad_cam, grad_cam_result

    model, test = shapes_model
    image = test.images[3]
    expected = reference_grad_cam(model, image, int(test.labels[3]))
    ours = grad_cam_result(model, image, class_index=int(test.labels[3]))
    assert ours.layer == "conv3" and 0 < ours.probability <= 1
    np.testing.assert_allclose(ours.heatmap, expected, atol=1e-4)

    # the same trained layers as a nested backbone inside a Functional model
    backbone = keras.Sequential(model.layers[:4], name="backbone")
    inputs = keras.Input((48, 48, 3))
    outputs = model.layers[-1](model.layers[-2](backbone(inputs)))
    nested = keras.Model(inputs, outputs)

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.core, self.pool, self.head = backbone, model.layers[-2], model.layers[-1]

        def call(self, x, training=False):
            return self.head(self.pool(self.core(x, training=training)))

    subclassed = Subclassed()
    subclassed(image[None])
    for other in (nested, subclassed):
        np.testing.assert_allclose(grad_cam(other, image, int(test.labels[3])), expected, atol=1e-4)
        # the model's own softmax is back in place afterwards
        np.testing.assert_allclose(other(image[None]).numpy().sum(), 1, rtol=1e-5)


def test_grad_cam_rejects_bad_input(shapes_model):
    from cnnlab.viz import grad_cam, show_grad_cam

    model, test = shapes_model
    with pytest.raises(ValueError, match="`class_index`"):
        grad_cam(model, test.images[0], class_index=3)
    with pytest.raises(ValueError, match="`class_index`"):
        grad_cam(model, test.images[0], class_index=-1)
    with pytest.raises(ValueError, match="`layer`"):
        grad_cam(model, test.images[0], layer="conv9")
    with pytest.raises(ValueError, match="`image`"):
        grad_cam(model, test.images[:2])
    fig = show_grad_cam(model, test.images[0], class_names=test.class_names)
    assert fig.axes[2].get_title().startswith(test.class_names[fig.cnnlab_result.class_index])


def test_show_mistakes_titles_true_and_predicted_classes():
    from types import SimpleNamespace

    from cnnlab.viz import show_mistakes

    digits = __import__("sklearn.datasets", fromlist=["load_digits"]).load_digits()
    mistakes = SimpleNamespace(
        images=digits.images[:3],
        true_labels=[0, 1, 2],
        predicted_labels=[8, 7, 3],
        probabilities=[0.97, 0.9, 0.61],
        class_names=[str(i) for i in range(10)],
    )
    fig = show_mistakes(mistakes, ncols=2)
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles == ["true 0\npred 8 (97%)", "true 1\npred 7 (90%)", "true 2\npred 3 (61%)"]
