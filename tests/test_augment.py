"""Tests for cnnlab.augment against independent references: Keras 2's scipy-based generator (the
deprecated copy TF still ships), scipy.ndimage, Pillow, numpy, and statistics of many draws."""

from __future__ import annotations

import math
import os
import warnings

import keras
import numpy as np
import pytest
import scipy.ndimage
import scipy.stats
import skimage.data
from matplotlib.figure import Figure
from PIL import Image
from tensorflow.keras.preprocessing.image import ImageDataGenerator as Keras2Generator

from cnnlab.augment import (
    ImageDataGenerator,
    augmentation_layers,
    explain_translation,
    show_augmentations,
)

SLIDE = {
    "rescale": 1.0 / 255,
    "rotation_range": 40,
    "width_shift_range": 0.2,
    "height_shift_range": 0.2,
    "shear_range": 0.2,
    "zoom_range": 0.2,
    "horizontal_flip": True,
    "channel_shift_range": 9,
    "fill_mode": "nearest",
}


def keras2(method: str, *args, **settings):
    """Call Keras 2's generator (the reference); it uses scipy's deprecated ndimage namespace."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(Keras2Generator(**settings), method)(*args)


def square_crop(size: int = 96) -> np.ndarray:
    return skimage.data.astronaut()[60 : 60 + 2 * size : 2, 150 : 150 + 2 * size : 2]


def dot_image(size: int, row: int, col: int) -> np.ndarray:
    image = np.zeros((size, size, 1), np.float32)
    image[row - 1 : row + 2, col - 1 : col + 2] = 255.0
    return image


def centroids(batch: np.ndarray) -> np.ndarray:
    """(row, col) intensity centroid of each image in a batch (N, H, W, 1)."""
    weights = batch[..., 0]
    rows, cols = np.indices(weights.shape[1:])
    total = weights.sum(axis=(1, 2))
    return np.stack([(weights * rows).sum((1, 2)) / total, (weights * cols).sum((1, 2)) / total], 1)


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    """Two class folders of real JPEG photos (random crops of scikit-image pictures)."""
    root = tmp_path_factory.mktemp("train")
    rng = np.random.default_rng(0)
    for name, photo in (("cat", skimage.data.chelsea()), ("coffee", skimage.data.coffee())):
        (root / name).mkdir()
        for index in range(6):
            top, left = rng.integers(0, 80, 2)
            crop = photo[top : top + 200, left : left + 260]
            Image.fromarray(crop).save(root / name / f"{index}.jpg", quality=90)
    return str(root)


# --- the lecture slide ---------------------------------------------------------------------------
def test_slide_code_block_runs_with_model_fit(photo_folder, capsys):
    train_folder = photo_folder
    model = keras.Sequential(
        [
            keras.Input((256, 256, 3)),
            keras.layers.Conv2D(4, 5, strides=4, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    # The slide, with the import and model.fit changed as Keras 3 requires:
    image_gen = ImageDataGenerator(
        rescale=1.0 / 255,
        rotation_range=40,
        width_shift_range=0.2,
        height_shift_range=0.2,
        shear_range=0.2,
        zoom_range=0.2,
        horizontal_flip=True,
        channel_shift_range=9,
        fill_mode="nearest",
    )
    train_flow = image_gen.flow_from_directory(train_folder)
    history = model.fit(train_flow, epochs=1, verbose=0)
    assert "Found 12 images belonging to 2 classes." in capsys.readouterr().out
    assert np.isfinite(history.history["loss"][0])
    assert (train_flow.n, train_flow.samples, len(train_flow)) == (12, 12, 1)
    assert train_flow.class_indices == {"cat": 0, "coffee": 1}
    x, y = train_flow[0]
    assert x.shape == (12, 256, 256, 3) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0  # rescaled after augmenting, as Keras 2
    np.testing.assert_array_equal(y.sum(axis=1), np.ones(12))
    assert model.predict(train_flow, verbose=0).shape == (12, 2)


# --- labels, order, determinism -------------------------------------------------------------------
def test_labels_equal_folder_names_under_shuffling(tmp_path):
    rng = np.random.default_rng(1)
    written = {}
    for name, photo in (("astronaut", skimage.data.astronaut()), ("cat", skimage.data.chelsea())):
        (tmp_path / name).mkdir()
        for index in range(7):
            top, left = rng.integers(0, 250, 2)
            crop = photo[top : top + 24, left : left + 24]
            Image.fromarray(crop).save(tmp_path / name / f"{index}.png")  # lossless
            written[crop.tobytes()] = name
    flow = ImageDataGenerator().flow_from_directory(
        tmp_path, target_size=(24, 24), batch_size=4, shuffle=True, seed=3
    )
    names = {index: name for name, index in flow.class_indices.items()}
    assert flow.filenames[0] == os.path.join("astronaut", "0.png")
    assert [names[c] for c in flow.classes] == [f.split(os.sep)[0] for f in flow.filenames]
    seen = []
    for x, y in flow:  # one shuffled epoch
        for image, label in zip(x, y, strict=True):
            seen.append(written[image.astype(np.uint8).tobytes()])  # which file it came from
            assert names[int(label.argmax())] == seen[-1]
    assert sorted(seen) == sorted(written.values())


def test_same_seed_same_batches_and_direct_access_matches_stream():
    x = np.stack([square_crop(48)] * 20).astype(np.float32)
    y = np.arange(20)

    def make(seed, shuffle=True):
        return ImageDataGenerator(**SLIDE).flow(x, y, batch_size=8, shuffle=shuffle, seed=seed)

    first, second, other = make(5), make(5), make(6)
    stream = [first[i] for i in range(3)]  # read in order: served by the tf.data stream
    for one, two in zip(stream, [second[i] for i in range(3)], strict=True):
        np.testing.assert_array_equal(one[0], two[0])
        np.testing.assert_array_equal(one[1], two[1])
    third = make(5)
    third[0], third[1]
    np.testing.assert_array_equal(third[0][0], stream[0][0])  # asked again: computed directly
    assert not np.allclose(other[0][0], stream[0][0])
    assert sorted(np.concatenate([b[1] for b in stream])) == list(range(20))  # each sample once
    in_order, out_of_order = make(5, shuffle=False), make(5, shuffle=False)
    streamed = [in_order[i] for i in range(3)][2]
    np.testing.assert_array_equal(streamed[0], out_of_order[2][0])  # direct route, same pixels
    np.testing.assert_array_equal(streamed[1], np.arange(16, 20))


_ABANDONED_FLOW = """
import numpy as np
from cnnlab.augment import ImageDataGenerator
x = np.random.default_rng(0).uniform(0, 255, (256, 32, 32, 3)).astype("float32")
flow = ImageDataGenerator(rotation_range=20, horizontal_flip=True).flow(x, batch_size=16)
for i, batch in enumerate(flow):
    if i == 3:
        break
print("read", batch.shape, flush=True)
"""


def test_a_script_that_stops_iterating_a_flow_exits():
    """The stream's prefetch threads are busy in tf.numpy_function when the script ends; without
    the atexit hook that closes open streams, about one run in four hung in interpreter teardown."""
    import subprocess
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    runs = [
        subprocess.Popen([sys.executable, "-c", _ABANDONED_FLOW], env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for _ in range(3)
    ]  # fmt: skip
    try:
        for run in runs:
            out, _ = run.communicate(timeout=120)
            assert run.returncode == 0 and "read (16, 32, 32, 3)" in out
    finally:
        for run in runs:
            run.kill()

    from cnnlab.augment import flow as flow_module

    x = np.arange(8 * 4 * 4, dtype=np.float32).reshape(8, 4, 4, 1)
    flow = ImageDataGenerator().flow(x, batch_size=2, shuffle=False)
    np.testing.assert_allclose(next(flow), x[0:2], atol=1e-4)
    assert flow in flow_module._OPEN_FLOWS
    flow_module._close_open_streams()  # what the hook does at exit
    assert flow._stream is None
    np.testing.assert_allclose(next(flow), x[2:4], atol=1e-4)  # the flow still works


def test_any_request_order_covers_each_sample_once_per_epoch():
    y = np.arange(45)
    flow = ImageDataGenerator(horizontal_flip=True).flow(np.zeros((45, 8, 8, 1)), y, batch_size=10)
    for _ in range(2):
        order = np.random.default_rng(0).permutation(len(flow))  # what model.fit does
        labels = np.concatenate([flow[int(i)][1] for i in order])
        assert sorted(labels) == list(range(45))
        flow.on_epoch_end()
    unshuffled = ImageDataGenerator().flow(np.zeros((45, 8, 8, 1)), y, batch_size=10, shuffle=False)
    np.testing.assert_array_equal(unshuffled[3][1], np.arange(30, 40))
    assert sum(1 for _ in unshuffled) == 5 and len(next(unshuffled)[1]) == 10


# --- geometry against Keras 2 and scipy -----------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {"theta": 90},
        {"tx": 10, "ty": -6},
        {"zx": 1.15, "zy": 0.85},
        {"shear": 15},
        {"theta": 90, "tx": 10, "ty": 4, "shear": 12, "zx": 1.1, "zy": 0.9},
        {"theta": -33, "flip_horizontal": True, "flip_vertical": True, "zx": 0.8, "zy": 0.8},
    ],
)
def test_fixed_transform_matches_keras2_apply_transform(params):
    image = square_crop().astype(np.float32)
    ours = ImageDataGenerator().apply_transform(image, params)
    reference = keras2("apply_transform", image, params)
    inner = (slice(12, -12), slice(12, -12))  # fill regions differ in how borders interpolate
    np.testing.assert_allclose(ours[inner], reference[inner], atol=0.05)


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect", "constant"])
def test_fill_modes_match_keras2_over_the_whole_image(fill_mode):
    image = square_crop(64).astype(np.float32)
    params = {"theta": 30, "tx": 9, "zx": 1.3, "zy": 1.3}
    ours = ImageDataGenerator(fill_mode=fill_mode, cval=40.0).apply_transform(image, params)
    reference = keras2("apply_transform", image, params, fill_mode=fill_mode, cval=40.0)
    # Identical away from the edge of the image; interpolation at the edge differs in places.
    assert np.mean(np.abs(ours - reference) < 0.5) > 0.97


def test_non_square_rotation_and_shift_use_the_true_centre():
    image = skimage.data.coffee()[100:180, 200:320].astype(np.float32)  # 80 x 120
    turned = ImageDataGenerator().apply_transform(image, {"theta": 90})
    reference = scipy.ndimage.rotate(image, 90, axes=(1, 0), reshape=False, order=1)
    np.testing.assert_allclose(turned[5:-5, 25:-25], reference[5:-5, 25:-25], atol=0.05)
    shifted = ImageDataGenerator().apply_transform(image, {"tx": 10, "ty": -4})
    np.testing.assert_allclose(shifted[4:, :-10], image[:-4, 10:])  # content moves left, down


def test_colour_steps_match_keras2():
    image = square_crop().astype(np.float32)
    shifted = ImageDataGenerator().apply_transform(image, {"channel_shift_intensity": 30.0})
    reference = keras2("apply_transform", image, {"channel_shift_intensity": 30.0})
    np.testing.assert_allclose(shifted, reference, atol=1e-4)
    bright = ImageDataGenerator().apply_transform(image, {"brightness": 1.4})
    reference = keras2("apply_transform", image, {"brightness": 1.4})  # through PIL uint8
    np.testing.assert_allclose(bright, reference, atol=1.5)
    uint8 = ImageDataGenerator(rotation_range=30).random_transform(square_crop(), seed=2)
    assert uint8.dtype == np.uint8 and uint8.shape == square_crop().shape


# --- distributions of the random draws ------------------------------------------------------------
def test_flip_rate_is_one_half():
    image = square_crop(32).astype(np.float32)
    n = 600
    flow = ImageDataGenerator(horizontal_flip=True).flow(
        np.repeat(image[None], n, 0), batch_size=100, seed=11
    )
    batch = np.concatenate(list(flow))
    flipped = np.all(batch == image[:, ::-1], axis=(1, 2, 3))
    unchanged = np.all(batch == image, axis=(1, 2, 3))
    assert np.all(flipped ^ unchanged)  # a flip is exact: nothing else happened
    assert scipy.stats.binomtest(int(flipped.sum()), n, 0.5).pvalue > 1e-3


def test_rotation_angles_within_40_degrees_and_uniform():
    size, radius = 65, 22
    image = dot_image(size, 32, 32 + radius)  # a dot right of the centre
    flow = ImageDataGenerator(rotation_range=40).flow(
        np.repeat(image[None], 400, 0), batch_size=100, seed=4
    )
    rows, cols = centroids(np.concatenate(list(flow))).T
    angles = np.degrees(np.arctan2(-(rows - 32), cols - 32))  # counter-clockwise on screen
    assert np.abs(angles).max() <= 40.5 and np.abs(angles).max() > 35
    assert scipy.stats.kstest(angles, scipy.stats.uniform(-40, 80).cdf).pvalue > 1e-3


def test_width_shift_moves_horizontally_by_a_fraction_of_the_width():
    image = dot_image(41, 20, 20)
    rates = {}
    for name in ("width_shift_range", "height_shift_range"):
        flow = ImageDataGenerator(**{name: 0.2}).flow(
            np.repeat(image[None], 300, 0), batch_size=100, seed=7
        )
        rates[name] = centroids(np.concatenate(list(flow))) - 20
    down, across = rates["width_shift_range"].T
    assert np.abs(down).max() < 1e-3 and 7.5 < np.abs(across).max() <= 8.2  # 0.2 * 41 = 8.2 px
    down, across = rates["height_shift_range"].T
    assert np.abs(across).max() < 1e-3 and 7.5 < np.abs(down).max() <= 8.2


@pytest.mark.parametrize(
    ("setting", "allowed"),
    [(5, {-4, -3, -2, -1, 0, 1, 2, 3, 4}), ([-7, 3], {-7, -3, 3, 7}), (3.0, None)],
)
def test_pixel_shift_rules_of_keras2(setting, allowed):
    generator = ImageDataGenerator(width_shift_range=setting)
    draws = np.array(
        [generator.get_random_transform((50, 60, 3), seed=s)["tx"] for s in range(300)]
    )
    if allowed is None:  # float >= 1: uniform pixels
        assert np.abs(draws).max() <= 3.0 and len(set(draws)) > 250
    else:
        assert set(np.round(draws).astype(int)) == allowed


def test_zoom_shear_and_colour_draws_follow_their_ranges():
    generator = ImageDataGenerator(
        zoom_range=0.2, shear_range=15, channel_shift_range=9, brightness_range=(0.5, 1.5)
    )
    draws = [generator.get_random_transform((32, 32, 3), seed=s) for s in range(400)]
    values = {key: np.array([d[key] for d in draws]) for key in draws[0]}
    uniform = {"zx": (0.8, 0.4), "zy": (0.8, 0.4), "shear": (-15, 30)}
    uniform |= {"channel_shift_intensity": (-9, 18), "brightness": (0.5, 1.0)}
    for key, (low, width) in uniform.items():
        sample = values[key]
        assert low <= sample.min() and sample.max() <= low + width, key
        assert scipy.stats.kstest(sample, scipy.stats.uniform(low, width).cdf).pvalue > 1e-3, key
    assert abs(np.corrcoef(values["zx"], values["zy"])[0, 1]) < 0.15  # independent x and y zoom
    assert set(values["theta"]) == {0.0} and not any(values["flip_horizontal"])


# --- standardization ------------------------------------------------------------------------------
def test_rescale_and_preprocessing_function_come_after_augmentation():
    image = square_crop(32).astype(np.float32)
    shapes = []

    def invert(one_image):
        shapes.append(one_image.shape)
        return 255.0 - one_image

    generator = ImageDataGenerator(
        width_shift_range=[10],
        fill_mode="constant",
        cval=255.0,
        rescale=1 / 255,
        preprocessing_function=invert,
    )
    x = generator.flow(image[None], batch_size=1, seed=0)[0]
    filled = x[0] == 0.0  # cval 255 -> inverted to 0 -> rescaled: 0
    assert filled[:, :10].all() or filled[:, -10:].all()
    inner = x[0][:, 10:-10]
    # A fill on the left means the content moved right (tx = -10), and the other way round.
    expected = (255.0 - (image[:, :-20] if filled[:, :10].all() else image[:, 20:])) / 255
    np.testing.assert_allclose(inner, expected[:, : inner.shape[1]], atol=1e-5)
    assert set(shapes) == {(32, 32, 3)}


def test_featurewise_statistics_from_fit():
    x = np.stack([square_crop(16), skimage.data.chelsea()[:32:2, :32:2]]).astype(np.float32)
    generator = ImageDataGenerator(featurewise_std_normalization=True, rescale=1 / 255)
    flow = generator.flow(x, batch_size=2, shuffle=False)
    with pytest.raises(ValueError, match=r"generator\.fit"):
        flow[0]
    generator.fit(x)
    scaled = x / 255
    mean, std = scaled.mean(axis=(0, 1, 2)), scaled.std(axis=(0, 1, 2))
    np.testing.assert_allclose(generator.mean.ravel(), mean, rtol=1e-5)
    np.testing.assert_allclose(flow[0], (scaled - mean) / (std + 1e-6), atol=1e-4)


def test_validation_split_matches_keras2(photo_folder):
    generator = ImageDataGenerator(validation_split=0.34)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        reference = Keras2Generator(validation_split=0.34)
        for subset in ("training", "validation"):
            ours = generator.flow_from_directory(photo_folder, subset=subset)
            theirs = reference.flow_from_directory(photo_folder, subset=subset)
            assert ours.filenames == theirs.filenames and ours.subset == subset
    x, y = np.arange(10)[:, None, None, None] * np.ones((1, 4, 4, 1)), np.arange(10) % 2
    val = generator.flow(x, y, subset="validation", shuffle=False)
    np.testing.assert_array_equal(val[0][0][:, 0, 0, 0], [0, 1, 2])
    with pytest.raises(ValueError, match="same classes"):
        generator.flow(x, np.sort(y), subset="training")


# --- files: formats, colour modes, unreadable files ----------------------------------------------
def _image_folder(root, rgb: np.ndarray) -> list[str]:
    """One class folder holding the same picture as grayscale/RGBA/CMYK/palette/BMP files."""
    folder = root / "mixed"
    folder.mkdir()
    Image.fromarray(rgb).convert("L").save(folder / "gray.jpg", quality=95)
    Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 90, np.uint8)])).save(
        folder / "rgba.png"
    )
    Image.fromarray(rgb).convert("CMYK").save(folder / "cmyk.jpg", quality=95)
    Image.fromarray(rgb).quantize(16).save(folder / "palette.png")
    Image.fromarray(rgb).quantize(16).save(folder / "palette_alpha.png", transparency=0)
    Image.fromarray(rgb).save(folder / "plain.bmp")
    return sorted(os.listdir(folder))


def test_grayscale_rgba_cmyk_palette_files_convert_to_the_color_mode(tmp_path):
    rgb = skimage.data.astronaut()[100:164:2, 180:260:2]  # 32 x 40
    names = _image_folder(tmp_path, rgb)
    generator = ImageDataGenerator()
    read = lambda mode: generator.flow_from_directory(  # noqa: E731
        tmp_path, target_size=(32, 40), color_mode=mode, shuffle=False, class_mode=None
    )[0]
    images = read("rgb")
    for name, image in zip(names, images, strict=True):
        with Image.open(tmp_path / "mixed" / name) as file:  # Keras 2's load_img: Pillow convert
            file = file.convert("RGBA") if "alpha" in name else file
            np.testing.assert_allclose(image, np.asarray(file.convert("RGB")), atol=2, err_msg=name)
        if name != "gray.jpg":  # and close to the picture that was saved (JPEG/palette losses)
            assert np.abs(image - rgb).mean() < 8, name
    np.testing.assert_array_equal(images[names.index("rgba.png")], rgb)  # alpha dropped
    gray = read("grayscale")
    assert gray.shape == (6, 32, 40, 1)
    luma = np.asarray(Image.fromarray(rgb).convert("L"), np.float32)
    np.testing.assert_allclose(gray[names.index("plain.bmp"), ..., 0], luma, atol=1)
    np.testing.assert_allclose(gray[names.index("rgba.png"), ..., 0], luma, atol=1)
    rgba = read("rgba")
    assert rgba.shape == (6, 32, 40, 4)
    np.testing.assert_array_equal(rgba[names.index("rgba.png"), ..., 3], 90)
    np.testing.assert_array_equal(rgba[names.index("cmyk.jpg"), ..., 3], 255)


def test_unreadable_files_are_skipped_with_one_warning(tmp_path, photo_folder):
    folder = tmp_path / "cat"
    folder.mkdir()
    for index, name in enumerate(sorted(os.listdir(os.path.join(photo_folder, "cat")))[:3]):
        with open(os.path.join(photo_folder, "cat", name), "rb") as file:
            data = file.read()
        (folder / f"good{index}.jpg").write_bytes(data)
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (folder / "empty.png").write_bytes(b"")
    (folder / "noise.jpg").write_bytes(np.random.default_rng(0).bytes(3000))
    (folder / "notes.txt").write_text("not an image")  # not an image extension: not listed
    (folder / "._good0.jpg").write_bytes(b"\x00\x05")  # macOS metadata file: hidden, not listed
    (tmp_path / ".ipynb_checkpoints").mkdir()  # hidden folder: not a class
    generator = ImageDataGenerator(rotation_range=10)
    with pytest.warns(UserWarning, match="3 unreadable image files") as record:
        flow = generator.flow_from_directory(tmp_path, target_size=(40, 40), batch_size=2)
    assert len(record) == 1
    assert all(name in str(record[0].message) for name in ("truncated", "empty", "noise"))
    assert flow.n == 3 and os.path.basename(flow.filenames[0]) == "good0.jpg"
    assert flow.class_indices == {"cat": 0}
    assert sum(len(x) for x, _ in flow) == 3  # a whole epoch, no error on the way
    with pytest.raises(ValueError, match="strict=True"):
        generator.flow_from_directory(tmp_path, strict=True)


# --- options and errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: ImageDataGenerator(zca_whitening=True), "zca_whitening"),
        (lambda: ImageDataGenerator(data_format="channels_first"), "data_format"),
        (lambda: ImageDataGenerator(interpolation_order=3), "interpolation_order"),
        (lambda: ImageDataGenerator().flow(np.zeros((2, 4, 4, 1)), save_to_dir="d"), "save_to_dir"),
        (lambda: ImageDataGenerator().flow_from_dataframe(None), "flow_from_dataframe"),
    ],
)
def test_unsupported_options_raise_not_implemented(call, name):
    with pytest.raises(NotImplementedError, match=name):
        call()


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({"rotation_range": -5}, "rotation_range"),
        ({"zoom_range": (0.0, 1.2)}, "zoom_range"),
        ({"zoom_range": "big"}, "zoom_range"),
        ({"width_shift_range": -0.1}, "width_shift_range"),
        ({"brightness_range": (1.5, 0.5)}, "brightness_range"),
        ({"fill_mode": "mirror"}, "fill_mode"),
        ({"validation_split": 1.0}, "validation_split"),
    ],
)
def test_bad_arguments_name_the_argument(settings, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        ImageDataGenerator(**settings)


def test_settings_changed_after_construction_take_effect_and_are_checked():
    image = dot_image(41, 20, 20)
    generator = ImageDataGenerator()
    flow = generator.flow(np.repeat(image[None], 50, 0), batch_size=50, seed=1)
    generator.width_shift_range = 0.2  # Keras 2 read its attributes at batch time too
    assert np.abs(centroids(flow[0])[:, 1] - 20).max() > 4
    generator.zoom_range = "big"
    with pytest.raises(ValueError, match="`zoom_range`"):
        flow[0]


def test_bad_flow_arguments(photo_folder):
    generator = ImageDataGenerator()
    with pytest.raises(ValueError, match="`batch_size`"):
        generator.flow(np.zeros((2, 4, 4, 1)), batch_size=0)
    with pytest.raises(ValueError, match="`x`"):
        generator.flow(np.zeros((4, 4, 1)))
    with pytest.raises(ValueError, match="`y`"):
        generator.flow(np.zeros((2, 4, 4, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="`color_mode`"):
        generator.flow_from_directory(photo_folder, color_mode="cmyk")
    with pytest.raises(ValueError, match="`directory`"):
        generator.flow_from_directory(os.path.join(photo_folder, "missing"))
    with pytest.raises(ValueError, match="`subset`"):
        generator.flow_from_directory(photo_folder, subset="test")


# --- layers, explanation, figure ------------------------------------------------------------------
def test_augmentation_layers_convert_units():
    layers = augmentation_layers(seed=1, **SLIDE)
    by_name = {layer.__class__.__name__: layer for layer in layers.layers}
    assert list(by_name) == [
        "RandomRotation",
        "RandomTranslation",
        "RandomShear",
        "RandomZoom",
        "RandomFlip",
        "RandomBrightness",
        "Rescaling",
    ]
    assert by_name["RandomRotation"].factor == pytest.approx((-40 / 360, 40 / 360))
    translation = by_name["RandomTranslation"].get_config()
    assert translation["width_factor"] == translation["height_factor"] == pytest.approx(0.2)
    shear = math.sin(math.radians(0.2))  # the slide's 0.2 is in degrees
    assert by_name["RandomShear"].x_factor == pytest.approx((-shear, shear))
    zoom = by_name["RandomZoom"]
    assert zoom.height_factor == pytest.approx((-0.2, 0.2)) == zoom.width_factor
    assert all(by_name[n].fill_mode == "nearest" for n in ("RandomRotation", "RandomZoom"))
    assert by_name["RandomBrightness"].factor == pytest.approx((-9 / 255, 9 / 255))
    out = layers(np.full((2, 32, 32, 3), 100.0, np.float32), training=True)
    assert out.shape == (2, 32, 32, 3)
    with pytest.raises(NotImplementedError, match="brightness_range"):
        augmentation_layers(rotation_range=10, brightness_range=(0.5, 1.5))
    kept = augmentation_layers(rotation_range=10, brightness_range=(0.5, 1.5), skip_unmapped=True)
    assert len(kept.layers) == 1
    with pytest.raises(ValueError, match="`image_size`"):
        augmentation_layers(width_shift_range=12)
    pixels = augmentation_layers(width_shift_range=12.0, image_size=(100, 120))
    assert pixels.layers[0].get_config()["width_factor"] == pytest.approx(0.1)


def test_explain_translation_prints_each_argument(capsys):
    table = explain_translation(**SLIDE, brightness_range=(0.8, 1.2))
    printed = capsys.readouterr().out
    assert "RandomRotation(factor=0.1111" in printed and "sin(angle)" in printed
    rows = {row.argument: row for row in table}
    assert set(SLIDE) | {"brightness_range"} == set(rows)
    assert rows["brightness_range"].layer == "" and rows["rotation_range"].layer
    assert "1 without a layer equivalent" in repr(table)


def test_show_augmentations_returns_a_figure():
    import matplotlib.pyplot as plt

    image = skimage.data.chelsea()[::4, ::4]
    figure = show_augmentations(image, ImageDataGenerator(**SLIDE), seed=0)
    assert isinstance(figure, Figure) and len(figure.axes) == 15
    assert plt.get_fignums() == []  # never handed to pyplot
    layers = augmentation_layers(rotation_range=40, horizontal_flip=True, seed=0)
    assert len(show_augmentations(image, layers, n=4).axes) == 4
    with pytest.raises(TypeError, match="generator_or_layers"):
        show_augmentations(image, "flip")


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect", "wrap", "constant"])
@pytest.mark.parametrize("order", [0, 1])
def test_fused_sampler_matches_scipy_over_the_whole_image(fill_mode, order):
    import tensorflow as tf

    from cnnlab.augment.resample import affine_resample, xla_available

    assert xla_available()
    images = np.stack([square_crop(40), square_crop(40)[::-1]]).astype(np.float32)
    turn = np.radians(31.7)  # generic numbers: no exact .5 ties for nearest-neighbour sampling
    transforms = np.array(
        [
            [1.07 * np.cos(turn), -np.sin(turn), 17.31, np.sin(turn), 0.93 * np.cos(turn), -9.17],
            [1.0, 0.2871, -6.283, 0.0, 1.1137, 3.1416],
        ],
        np.float32,
    )
    ours = affine_resample(
        tf.constant(images),
        tf.constant(np.pad(transforms, ((0, 0), (0, 2)))),
        fill_mode=fill_mode,
        cval=77.0,
        order=order,
    ).numpy()
    scipy_mode = {"wrap": "grid-wrap", "constant": "grid-constant"}.get(fill_mode, fill_mode)
    for image, transform, result in zip(images, transforms, ours, strict=True):
        a0, a1, a2, b0, b1, b2 = transform  # output (x, y) samples (a0 x + a1 y + a2, b0 x + ...)
        reference = scipy.ndimage.affine_transform(
            image,
            [[b1, b0, 0], [a1, a0, 0], [0, 0, 1]],
            [b2, a2, 0],
            order=order,
            mode=scipy_mode,
            cval=77.0,
        )
        assert np.isclose(result, reference, atol=0.01).mean() > 0.999


def test_tensorflow_kernel_fallback_gives_the_same_pixels():
    import tensorflow as tf

    from cnnlab.augment.resample import affine_resample

    images = tf.constant(square_crop(40)[None], tf.float32)
    transforms = tf.constant([[0.9, -0.4, 12.3, 0.4, 0.9, -5.7, 0, 0]])
    for fill_mode in ("nearest", "reflect", "constant"):  # 'wrap': TF's kernel clamps at the seam
        settings = {"fill_mode": fill_mode, "cval": 5.0, "order": 1}
        fused = affine_resample(images, transforms, **settings)
        kernel = affine_resample(images, transforms, use_xla=False, **settings)
        np.testing.assert_allclose(fused, kernel, atol=0.01)
