"""cnnlab.data: bundled real images, digits, textures, shapes, image folders, sort and split.

References are independent of our code: the packages' own loaders (skimage.data, sklearn),
Pillow decoding, and keras.utils.image_dataset_from_directory on the same files.
"""

import io
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from cnnlab.data import (
    list_sample_images,
    load_digits,
    make_shapes,
    sample_image,
    sort_into_class_folders,
    split_folder,
    texture_patches,
    verify_images,
)

# Shapes from each package's documentation (skimage.data docstrings, sklearn and matplotlib files).
EXPECTED_SHAPES = {
    "astronaut": (512, 512, 3),
    "brick": (512, 512, 3),
    "chelsea": (300, 451, 3),
    "china": (427, 640, 3),
    "coffee": (400, 600, 3),
    "flower": (427, 640, 3),
    "grace_hopper": (600, 512, 3),
    "grass": (512, 512, 3),
    "gravel": (512, 512, 3),
    "rocket": (427, 640, 3),
}


# --- sample images -----------------------------------------------------------------------------


def test_list_sample_images_names_every_bundled_picture():
    assert list_sample_images() == sorted(EXPECTED_SHAPES)


@pytest.mark.parametrize("name", sorted(EXPECTED_SHAPES))
def test_sample_images_are_uint8_rgb_with_the_published_shape(name):
    image = sample_image(name)
    assert image.dtype == np.uint8
    assert image.shape == EXPECTED_SHAPES[name]
    assert image.std() > 10  # a photograph, not a blank array


def test_sample_images_match_their_source_packages():
    import skimage.data
    from matplotlib import cbook
    from sklearn.datasets import load_sample_image

    np.testing.assert_array_equal(sample_image("chelsea"), skimage.data.chelsea())
    np.testing.assert_array_equal(sample_image("china"), load_sample_image("china.jpg"))
    brick = skimage.data.brick()  # grey (512, 512): stacked to three equal channels
    for channel in range(3):
        np.testing.assert_array_equal(sample_image("brick")[..., channel], brick)
    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as picture:
        np.testing.assert_array_equal(sample_image("grace_hopper"), np.asarray(picture))


def test_sample_image_returns_a_fresh_copy():
    first = sample_image("coffee")
    first[:] = 0
    assert sample_image("coffee").max() > 0


def test_unknown_sample_image_names_the_choices():
    with pytest.raises(ValueError, match=r"`name` must be one of .*chelsea.*Got 'cat'"):
        sample_image("cat")


# --- digits, textures, shapes ------------------------------------------------------------------


def test_load_digits_at_native_size_is_sklearn_scaled_to_unit_range():
    from sklearn.datasets import load_digits as sklearn_digits

    reference = sklearn_digits()
    split = load_digits(8, test_size=0.2, seed=3)
    assert split.x_train.shape == (1437, 8, 8, 1) and split.x_test.shape == (360, 8, 8, 1)
    images = np.concatenate([split.x_train, split.x_test])[..., 0]
    labels = np.concatenate([split.y_train, split.y_test])
    # Every original digit appears exactly once, with its own label.
    keys = {
        img.tobytes(): label
        for img, label in zip(reference.images / 16.0, reference.target, strict=True)
    }
    found = [keys[img.astype(np.float64).tobytes()] for img in images]
    np.testing.assert_array_equal(found, labels)
    assert np.bincount(labels).tolist() == np.bincount(reference.target).tolist()


def test_load_digits_resized_split_is_reproducible_and_stratified():
    a = load_digits(32, seed=5)
    b = load_digits(32, seed=5)
    c = load_digits(32, seed=6)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)
    assert a.x_train.dtype == np.float32 and a.x_train.shape[1:] == (32, 32, 1)
    assert a.x_train.min() >= 0.0 and a.x_train.max() <= 1.0
    # stratified: each digit's share of the test set matches its share overall (±1 image)
    overall = np.bincount(np.concatenate([a.y_train, a.y_test]))
    np.testing.assert_allclose(
        np.bincount(a.y_test), overall * len(a.y_test) / overall.sum(), atol=1
    )
    (x_train, y_train), (x_test, _) = a  # unpacks like keras.datasets
    assert x_train is a.x_train and x_test is a.x_test and y_train is a.y_train


def test_load_digits_upsampling_is_bilinear_like_pillow():
    small, large = load_digits(8, seed=1), load_digits(32, seed=1)
    np.testing.assert_array_equal(small.y_train, large.y_train)
    reference = np.stack(
        [
            np.asarray(Image.fromarray(x[..., 0], mode="F").resize((32, 32), Image.BILINEAR))
            for x in small.x_train[:40]
        ]
    )
    np.testing.assert_allclose(large.x_train[:40, ..., 0], reference, atol=1e-6)
    assert load_digits(16, channels=3).x_test.shape[1:] == (16, 16, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image_size": 2}, "`image_size` must be an int of at least 4. Got 2."),
        ({"test_size": 1.5}, "`test_size` must be a number strictly between 0 and 1. Got 1.5."),
        ({"channels": 2}, "`channels` must be 1 or 3. Got 2."),
    ],
)
def test_load_digits_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        load_digits(**kwargs)


def _locate(patch, image):
    """Top-left corners where ``patch`` occurs exactly in ``image`` (both 2-D)."""
    windows = sliding_window_view(image, patch.shape)
    return np.argwhere(np.all(windows == patch, axis=(2, 3)))


def test_texture_patches_are_cut_from_their_own_texture_and_test_patches_from_unseen_columns():
    split = texture_patches(24, patches_per_class=12, test_fraction=0.25, seed=2, channels=3)
    assert split.class_names == ("brick", "grass", "gravel")
    assert split.x_train.shape == (27, 24, 24, 3) and split.x_test.shape == (9, 24, 24, 3)
    assert np.bincount(split.y_train).tolist() == [9, 9, 9]
    boundary = round(512 * 0.75)
    for x, y, is_test in [
        (split.x_train, split.y_train, False),
        (split.x_test, split.y_test, True),
    ]:
        for patch, label in zip(x[:6], y[:6], strict=True):
            grey = np.round(patch[..., 0] * 255).astype(np.uint8)
            where = _locate(grey, sample_image(split.class_names[label])[..., 0])
            assert len(where) >= 1  # found in its own texture: the label is right
            cols = where[:, 1]
            if is_test:
                assert (cols >= boundary).all()
            else:
                assert (cols + 24 <= boundary).any()
    again = texture_patches(24, patches_per_class=12, test_fraction=0.25, seed=2, channels=3)
    np.testing.assert_array_equal(again.x_test, split.x_test)


def test_texture_patches_rejects_a_patch_larger_than_the_test_region():
    with pytest.raises(ValueError, match="`patch_size` must fit the test region"):
        texture_patches(200, patches_per_class=4, test_fraction=0.25)


def test_make_shapes_boxes_are_tight_around_the_masks_and_classes_differ_in_fill():
    shapes = make_shapes(60, image_size=48, seed=4)
    assert shapes.images.shape == (60, 48, 48, 3) and shapes.images.dtype == np.float32
    assert np.bincount(shapes.labels).tolist() == [20, 20, 20]
    fills = {name: [] for name in shapes.class_names}
    for image, mask, box, label in zip(
        shapes.images, shapes.masks, shapes.boxes, shapes.labels, strict=True
    ):
        ys, xs = np.nonzero(mask)
        assert tuple(box) == (ys.min(), xs.min(), ys.max() + 1, xs.max() + 1)
        colour = image[mask]
        assert np.ptp(colour, axis=0).max() == 0 and colour.min() >= 0.6  # one bright colour
        area = (box[2] - box[0]) * (box[3] - box[1])
        fills[shapes.class_names[label]].append(mask.sum() / area)
    assert np.mean(fills["square"]) > 0.95
    assert 0.70 < np.mean(fills["circle"]) < 0.88  # pi / 4 = 0.785
    assert 0.40 < np.mean(fills["triangle"]) < 0.62  # one half
    again = make_shapes(60, image_size=48, seed=4)
    np.testing.assert_array_equal(again.images, shapes.images)
    assert not np.array_equal(make_shapes(60, image_size=48, seed=5).boxes, shapes.boxes)


# --- image folders -----------------------------------------------------------------------------


def _photo(name, size=(40, 56)):
    """A small crop of a real photograph."""
    return Image.fromarray(sample_image(name)[: size[0] * 4 : 4, : size[1] * 4 : 4])


def _jpeg_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


GOOD = {
    "cats/rgb.jpg": lambda p: _photo("chelsea").save(p, quality=90),
    "cats/cmyk.jpg": lambda p: _photo("chelsea").convert("CMYK").save(p),
    "cats/gray.png": lambda p: _photo("coffee").convert("L").save(p),
    "cats/rgba.png": lambda p: _photo("astronaut").convert("RGBA").save(p),
    "cats/palette.bmp": lambda p: _photo("rocket").convert("P").save(p),
    "dogs/grey16.png": lambda p: Image.fromarray(
        np.asarray(_photo("gravel").convert("L"), np.uint16) * 257
    ).save(p),
    "dogs/rgb.png": lambda p: _photo("china").save(p),
    "dogs/anim.gif": lambda p: _photo("flower").convert("P").save(p),
    "dogs/puppies/deep.jpg": lambda p: _photo("grace_hopper").save(p),
}
BAD = {
    "cats/empty.jpg": (lambda p: p.write_bytes(b""), "empty"),
    "cats/truncated.jpg": (
        lambda p: p.write_bytes(_jpeg_bytes(_photo("coffee"))[:900]),
        "truncated",
    ),
    "dogs/notes.jpg": (lambda p: p.write_text("not a picture\n"), "not an image"),
    "dogs/broken.png": (
        lambda p: p.write_bytes(
            (lambda b: b[:60] + bytes(40) + b[100:])(_png_bytes(_photo("grass")))
        ),
        "corrupt",
    ),
    "dogs/Thumbs.db": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(500)), "not an image"),
}


def _png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("pets")
    for relative, make in GOOD.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        make(root / relative)
    for relative, (make, _) in BAD.items():
        make(root / relative)
    return root


def test_the_fixture_holds_the_modes_it_claims(image_folder):
    modes = {}
    for relative in GOOD:
        with Image.open(image_folder / relative) as image:
            modes[relative] = image.mode
    assert modes["cats/cmyk.jpg"] == "CMYK"
    # A 16-bit greyscale PNG: IHDR's bit depth 16, colour type 0. Pillow names its mode "I;16"
    # (Pillow 13) or "I" (Pillow 10.0 opens 16-bit grey PNGs as 32-bit integers); cnnlab takes both.
    header = (image_folder / "dogs/grey16.png").read_bytes()[:26]
    assert header[12:16] == b"IHDR" and (header[24], header[25]) == (16, 0)
    assert modes["dogs/grey16.png"] in ("I;16", "I")
    assert modes["cats/rgba.png"] == "RGBA" and modes["cats/palette.bmp"] == "P"
    assert modes["cats/gray.png"] == "L"


def test_verify_images_reports_every_bad_file_and_lists_every_good_one(image_folder):
    before = {p: p.read_bytes() for p in image_folder.rglob("*") if p.is_file()}
    report = verify_images(image_folder)
    assert sorted(report.good) == sorted(str(image_folder / r) for r in GOOD)
    assert set(report.bad) == {str(image_folder / r) for r in BAD}
    for relative, (_, reason) in BAD.items():
        assert reason in report.bad[str(image_folder / relative)], report.bad
        assert "\n" not in report.bad[str(image_folder / relative)]
    assert report.formats[str(image_folder / "cats/cmyk.jpg")] == ("JPEG", "CMYK")
    assert "4 good" not in str(report) and f"{len(BAD)} bad file(s)" in str(report)
    assert {p: p.read_bytes() for p in before} == before  # nothing was modified


def test_verify_images_rejects_a_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="`directory` must be an existing folder"):
        verify_images(tmp_path / "nowhere")


def _keras_listing(directory, **kwargs):
    import keras

    return keras.utils.image_dataset_from_directory(
        directory, batch_size=None, image_size=(24, 32), verbose=False, **kwargs
    )


def test_image_folder_dataset_loads_every_good_image_with_keras_labels_and_pixels(
    image_folder, tmp_path
):
    from cnnlab.data import image_folder_dataset

    with pytest.warns(UserWarning) as caught:
        ds = image_folder_dataset(image_folder, (24, 32), None, shuffle=False)
    assert len(caught) == 1
    image_bad = [r for r in BAD if not r.endswith(".db")]  # Keras never lists Thumbs.db
    assert f"skips {len(image_bad)} unreadable file(s)" in str(caught[0].message)
    assert set(ds.skipped) == {str(image_folder / r) for r in image_bad}
    assert ds.class_names == ["cats", "dogs"]
    elements = list(ds.as_numpy_iterator())
    assert len(elements) == len(GOOD) == len(ds.file_paths)

    # Reference: Keras itself on a clean copy holding only the good files.
    clean = tmp_path / "clean"
    for relative in GOOD:
        (clean / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(image_folder / relative, clean / relative)
    reference = _keras_listing(clean, shuffle=False)
    expected = list(reference.as_numpy_iterator())
    assert [os.path.relpath(p, image_folder) for p in ds.file_paths] == [
        os.path.relpath(p, clean) for p in reference.file_paths
    ]
    import tensorflow as tf

    for path, (image, label), (ref_image, ref_label) in zip(
        ds.file_paths, elements, expected, strict=True
    ):
        assert image.shape == (24, 32, 3) and image.dtype == np.float32
        assert (
            label
            == ref_label
            == ds.class_names.index(Path(path).relative_to(image_folder).parts[0])
        )
        if path.endswith(".bmp"):
            # TensorFlow decodes 8-bit palette BMPs wrongly; we decode them with Pillow.
            with Image.open(path) as picture:
                truth = np.asarray(picture.convert("RGB"))
            truth = tf.image.resize(truth, (24, 32)).numpy()
            np.testing.assert_allclose(image, truth, atol=1e-3)
            assert np.abs(ref_image - truth).max() > 50
        else:
            np.testing.assert_array_equal(image, ref_image)


def test_image_folder_dataset_split_is_keras_split_minus_bad_files(image_folder):
    from cnnlab.data import image_folder_dataset

    with pytest.warns(UserWarning):
        train, val = image_folder_dataset(image_folder, 24, 4, validation_split=0.3, seed=11)
    keras_train, keras_val = _keras_listing(
        image_folder, validation_split=0.3, subset="both", seed=11
    )
    bad = set(train.skipped)
    assert train.file_paths == [p for p in keras_train.file_paths if p not in bad]
    assert val.file_paths == [p for p in keras_val.file_paths if p not in bad]
    assert sorted(train.file_paths + val.file_paths) == sorted(str(image_folder / r) for r in GOOD)
    batches = list(train.as_numpy_iterator())
    assert sum(len(labels) for _, labels in batches) == len(train.file_paths)
    assert batches[0][0].shape[1:] == (24, 24, 3)
    # Same seed, same order of training batches.
    with pytest.warns(UserWarning):
        again, _ = image_folder_dataset(image_folder, 24, 4, validation_split=0.3, seed=11)
    np.testing.assert_array_equal(next(iter(again))[1], batches[0][1])


def test_image_folder_dataset_reuses_a_report_and_encodes_categorical_labels(image_folder):
    from cnnlab.data import image_folder_dataset

    report = verify_images(image_folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = image_folder_dataset(
            image_folder, 16, None, shuffle=False, label_mode="categorical", report=report
        )
    assert len(caught) == 1
    for (_, label), path in zip(ds.as_numpy_iterator(), ds.file_paths, strict=True):
        expected = np.eye(2)[ds.class_names.index(Path(path).relative_to(image_folder).parts[0])]
        np.testing.assert_array_equal(label, expected)


def test_image_folder_dataset_matches_a_report_made_with_another_spelling_of_the_folder(
    image_folder, monkeypatch
):
    from cnnlab.data import image_folder_dataset

    report = verify_images(image_folder)
    monkeypatch.chdir(image_folder.parent)
    with pytest.warns(UserWarning, match=f"skips {len(BAD) - 1} unreadable"):
        ds = image_folder_dataset(image_folder.name, 16, 4, report=report)
    assert len(ds.file_paths) == len(GOOD)


def test_image_folder_dataset_refuses_a_folder_without_readable_images(tmp_path):
    from cnnlab.data import image_folder_dataset

    (tmp_path / "cats").mkdir()
    (tmp_path / "cats" / "empty.jpg").write_bytes(b"")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="must hold readable images"):
        image_folder_dataset(tmp_path, 16, 4)


# --- sort and split ----------------------------------------------------------------------------


def _snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_sort_into_class_folders_moves_by_prefix_and_is_idempotent(tmp_path):
    contents = {
        "cat.1.jpg": b"c1",
        "cat.2.jpg": b"c2",
        "dog.7.jpg": b"d7",
        "README.md": b"r",
        "42.jpg": b"x",
    }
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    report = sort_into_class_folders(tmp_path)
    assert sorted(Path(d).relative_to(tmp_path).as_posix() for _, d in report.placed) == [
        "cat/cat.1.jpg",
        "cat/cat.2.jpg",
        "dog/dog.7.jpg",
    ]
    assert set(report.skipped) == {str(tmp_path / "README.md"), str(tmp_path / "42.jpg")}
    after = _snapshot(tmp_path)
    assert after == {
        "cat/cat.1.jpg": b"c1",
        "cat/cat.2.jpg": b"c2",
        "dog/dog.7.jpg": b"d7",
        "README.md": b"r",
        "42.jpg": b"x",
    }
    second = sort_into_class_folders(tmp_path)
    assert second.placed == [] and _snapshot(tmp_path) == after


def test_sort_into_class_folders_reports_a_clash_and_clobbers_nothing(tmp_path):
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "cat.1.jpg").write_bytes(b"older")
    (tmp_path / "cat.1.jpg").write_bytes(b"newer")
    (tmp_path / "cat.2.jpg").write_bytes(b"same")
    (tmp_path / "cat" / "cat.2.jpg").write_bytes(b"same")
    report = sort_into_class_folders(tmp_path)
    assert "already exists with other content" in report.skipped[str(tmp_path / "cat.1.jpg")]
    assert report.unchanged == [str(tmp_path / "cat" / "cat.2.jpg")]
    assert (tmp_path / "cat" / "cat.1.jpg").read_bytes() == b"older"
    assert (tmp_path / "cat.1.jpg").read_bytes() == b"newer"
    assert (tmp_path / "cat.2.jpg").read_bytes() == b"same"  # the user's copy is never deleted


def _class_tree(root, counts):
    for label, count in counts.items():
        (root / label).mkdir(parents=True)
        for i in range(count):
            (root / label / f"{label}.{i}.jpg").write_bytes(f"{label}-{i}".encode())


def test_split_folder_copy_is_reproducible_stratified_and_idempotent(tmp_path):
    source = tmp_path / "source"
    _class_tree(source, {"cat": 10, "dog": 7})
    original = _snapshot(source)
    report = split_folder(source, tmp_path / "a", validation_split=0.3, seed=9)
    assert len(report.placed) == 17 and not report.skipped
    split_folder(source, tmp_path / "b", validation_split=0.3, seed=9)
    a, b = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    assert a == b  # same seed, same split
    validation = [k for k in a if k.startswith("validation/")]
    assert sum(k.startswith("validation/cat/") for k in validation) == 3  # int(0.3 * 10)
    assert sum(k.startswith("validation/dog/") for k in validation) == 2  # int(0.3 * 7)
    train_names = {k.split("/", 1)[1] for k in a if k.startswith("train/")}
    assert train_names.isdisjoint({k.split("/", 1)[1] for k in validation})
    assert sorted(k.split("/", 1)[1] for k in a) == sorted(original)
    assert _snapshot(source) == original  # copy mode leaves the source alone
    again = split_folder(source, tmp_path / "a", validation_split=0.3, seed=9)
    assert again.placed == [] and len(again.unchanged) == 17 and not again.skipped
    other = split_folder(source, tmp_path / "c", validation_split=0.3, seed=10)
    assert _snapshot(tmp_path / "c") != a and len(other.placed) == 17


def test_split_folder_move_never_overwrites_and_loses_nothing(tmp_path):
    source = tmp_path / "source"
    _class_tree(source, {"cat": 6, "dog": 6})
    original = _snapshot(source)
    # A file already sitting where one of the moved files would go, with other content.
    preview = split_folder(source, tmp_path / "preview", validation_split=0.5, seed=1)
    first_source, first_target = preview.placed[0]
    clash = tmp_path / "out" / Path(first_target).relative_to(tmp_path / "preview")
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"someone else's picture")
    report = split_folder(source, tmp_path / "out", validation_split=0.5, seed=1, mode="move")
    assert list(report.skipped) == [first_source]
    assert clash.read_bytes() == b"someone else's picture"
    first_relative = str(Path(first_source).relative_to(source))
    assert _snapshot(source) == {first_relative: original[first_relative]}  # kept, not deleted
    moved = {
        key.split("/", 1)[1]: data
        for key, data in _snapshot(tmp_path / "out").items()
        if tmp_path / "out" / key != clash
    }
    assert moved == {k: v for k, v in original.items() if k != first_relative}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"validation_split": 0}, "`validation_split` must be a number strictly between 0 and 1"),
        ({"mode": "link"}, "`mode` must be 'copy' or 'move'. Got 'link'."),
    ],
)
def test_split_folder_rejects_bad_arguments(tmp_path, kwargs, message):
    _class_tree(tmp_path / "source", {"cat": 2})
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        split_folder(tmp_path / "source", tmp_path / "out", **kwargs)


def test_split_folder_refuses_a_destination_inside_the_source(tmp_path):
    _class_tree(tmp_path / "source", {"cat": 2})
    with pytest.raises(ValueError, match="`destination` must not overlap `source`"):
        split_folder(tmp_path / "source", tmp_path / "source" / "cat")
