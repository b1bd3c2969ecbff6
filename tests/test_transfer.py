"""cnnlab.transfer: preprocessing, class index, backbones and blocks, features and cache, heads, mistakes.

Training-related tests (BatchNormalization, the recompile guard, transfer vs scratch, fine-tuning
under MirroredStrategy) are in tests/test_transfer_training.py.
"""

from __future__ import annotations

import hashlib
import json
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnnlab.assets import ASSETS
from cnnlab.settings import resource
from cnnlab.transfer import (
    Preprocess,
    WeightsNotFound,
    attach_head,
    backbone_blocks,
    decode_predictions,
    extract_features,
    list_backbones,
    load_backbone,
    most_confident_mistakes,
    train_linear_head,
    unfreeze_top,
)
from cnnlab.transfer.features import weights_fingerprint
from cnnlab.transfer.preprocessing import preprocess_array
from cnnlab.transfer.tiny import digits_on_photos

KERAS_PREPROCESS = {
    "caffe": keras.applications.resnet50.preprocess_input,
    "tf": keras.applications.mobilenet_v2.preprocess_input,
    "none": keras.applications.efficientnet.preprocess_input,
}


@pytest.fixture(scope="module")
def tiny():
    return load_backbone("tiny")


@pytest.fixture(scope="module")
def digits():
    x, y = digits_on_photos((5, 6, 7, 8, 9), split="test")
    return x[:48], y[:48]


# --- preprocessing -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", sorted(KERAS_PREPROCESS))
def test_preprocess_matches_keras_and_leaves_input_alone(mode):
    images = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype(np.float32)
    original = images.copy()
    ours = preprocess_array(images, mode)
    np.testing.assert_array_equal(images, original)  # the caller's array is untouched
    expected = KERAS_PREPROCESS[mode](images.copy())
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-4)
    layer = np.asarray(Preprocess(mode)(images))
    np.testing.assert_allclose(layer, expected, rtol=1e-6, atol=1e-4)


def test_keras_preprocess_input_really_works_in_place():
    """The trap our preprocess closes: Keras overwrites a float32 array it is given."""
    images = np.full((1, 2, 2, 3), 200.0, np.float32)
    keras.applications.mobilenet_v2.preprocess_input(images)
    assert images.max() < 1.0


def test_backbone_preprocess_rejects_unit_range_and_preprocessed_images(tiny):
    with pytest.raises(ValueError, match=r"\[0, 1\].*255"):
        tiny.preprocess(np.full((1, 32, 32, 3), 0.5, np.float32))
    with pytest.raises(ValueError, match="preprocessed already"):
        load_backbone("vgg16", weights=None, input_shape=(32, 32, 3)).preprocess(
            np.full((1, 32, 32, 3), -50.0)
        )
    np.testing.assert_allclose(tiny.preprocess(np.full((1, 32, 32, 3), 255.0)), 1.0)
    assert tiny.preprocess(np.zeros((1, 32, 32, 3))).max() == 0  # black images are fine


# --- ImageNet class index ---------------------------------------------------------------------


def test_shipped_class_index_is_keras_file_byte_for_byte():
    """Keras' published md5 of its own file (cnnlab.assets) is the independent reference."""
    path = resource("imagenet_class_index.json")
    asset = ASSETS["imagenet-class-index"]  # Keras' published size and md5
    assert path.stat().st_size == asset.size
    assert hashlib.md5(path.read_bytes()).hexdigest() == asset.checksum
    index = json.loads(path.read_text())
    wnids = [index[str(i)][0] for i in range(1000)]
    assert len(index) == 1000 and wnids == sorted(wnids) and len(set(wnids)) == 1000


def test_decode_predictions_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache: nothing to find there
    scores = np.zeros((2, 1000), np.float32)
    scores[0, [0, 1, 999]] = [0.7, 0.2, 0.1]
    scores[1, [281, 285]] = [0.6, 0.4]
    decoded = decode_predictions(scores, top=3)
    assert [name for _, name, _ in decoded[0]] == ["tench", "goldfish", "toilet_tissue"]
    assert decoded[1][:2] == [("n02123045", "tabby", pytest.approx(0.6)),
                              ("n02124075", "Egyptian_cat", pytest.approx(0.4))]  # fmt: skip
    # Ties keep the lower class first; each row is sorted by score like numpy's argsort.
    random = np.random.default_rng(0).random((3, 1000))
    for row, decoded_row in zip(random, decode_predictions(random, top=5), strict=True):
        assert [score for *_, score in decoded_row] == pytest.approx(np.sort(row)[::-1][:5])
    with pytest.raises(ValueError, match=r"\(N, 1000\)"):
        decode_predictions(np.zeros((1, 10)))


# --- backbones and blocks -------------------------------------------------------------------------


def test_missing_imagenet_weights_error_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(WeightsNotFound) as error:
        load_backbone("mobilenetv2")
    message = str(error.value)
    asset = ASSETS["mobilenetv2-weights"]
    for needle in (asset.filename, asset.url, str(tmp_path / "models"),
                   "cnnlab data fetch mobilenetv2-weights", "--from DIR"):  # fmt: skip
        assert needle in message


def test_missing_classifier_weights_name_their_own_asset(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    asset = ASSETS["mobilenetv2-top-weights"]
    cut = b"\x89HDF\r\n\x1a\n" + bytes(100)  # an HDF5 signature, then nothing
    (tmp_path / "models" / asset.filename).write_bytes(cut)
    with pytest.raises(WeightsNotFound) as error:
        load_backbone("mobilenetv2", include_top=True)
    message = str(error.value)
    for needle in ("with the classifier", f"{len(cut)} bytes, expected {asset.size}", asset.url,
                   "cnnlab data fetch mobilenetv2-top-weights"):  # fmt: skip
        assert needle in message


def test_imagenet_weights_are_loaded_from_the_verified_cache_file(monkeypatch, tmp_path):
    """The wiring without a 9 MB download: the asset manager reports a file, Keras loads it."""
    from cnnlab.assets import AssetStatus

    source = keras.applications.MobileNetV2(
        include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    rng = np.random.default_rng(0)
    source.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in source.get_weights()])
    path = tmp_path / "mobilenet.weights.h5"
    with warnings.catch_warnings():  # Keras' own saver trips a numpy 2 DeprecationWarning
        warnings.simplefilter("ignore", DeprecationWarning)
        source.save_weights(path)
    present = AssetStatus(ASSETS["mobilenetv2-weights"], path, "present", "test")
    monkeypatch.setattr("cnnlab.transfer.backbones.asset_status", lambda name: present)
    for weights in ("imagenet", path):
        loaded = load_backbone("mobilenetv2", weights=weights, input_shape=(32, 32, 3))
        for ours, theirs in zip(loaded.model.weights, source.weights, strict=True):
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_tiny_file_saved_by_another_keras_loads_by_its_weights(tmp_path):
    """A .keras file whose config.json this Keras cannot deserialize (as Keras 3.10 cannot read
    the GlorotUniform `input_axes` that newer ones record) still loads: only the weights count."""
    import io
    import zipfile

    import h5py

    from cnnlab.transfer.tiny import tiny_weights_path

    shipped = tiny_weights_path()
    with zipfile.ZipFile(shipped) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    with h5py.File(io.BytesIO(parts["model.weights.h5"]), "r") as store:
        stored = {  # Keras 3 keys weights by layer type and position, not by layer name
            "block1_conv": store["layers/conv2d/vars/0"][()],
            "block3_bn": store["layers/batch_normalization_2/vars/3"][()],  # moving variance
            "predictions": store["layers/dense/vars/1"][()],
        }
    config = json.loads(parts["config.json"])
    for layer in config["config"]["layers"]:
        for key, value in layer["config"].items():
            if key.endswith("_initializer") and isinstance(value, dict):
                value["config"]["argument_from_the_future"] = 1
    parts["config.json"] = json.dumps(config).encode()
    path = tmp_path / "future.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(TypeError, match="argument_from_the_future"):
        keras.saving.load_model(path, compile=False)
    full = load_backbone("tiny", weights=path, include_top=True).model
    for name, values in stored.items():
        np.testing.assert_array_equal(full.get_layer(name).weights[-1].numpy(), values)
    headless = load_backbone("tiny", weights=path).model
    np.testing.assert_array_equal(
        headless.get_layer("block1_conv").kernel.numpy(), stored["block1_conv"]
    )
    assert weights_fingerprint(headless) == weights_fingerprint(load_backbone("tiny").model)


def test_bad_arguments():
    assert list_backbones() == ["efficientnetb0", "mobilenetv2", "resnet50", "tiny", "vgg16"]
    with pytest.raises(ValueError, match="`name` must be one of"):
        load_backbone("resnet18")
    with pytest.raises(ValueError, match="`pooling`"):
        load_backbone("tiny", pooling="sum")
    with pytest.raises(ValueError, match="`input_shape`"):
        load_backbone("tiny", input_shape=(32, 32, 1))


def _trainable_names(model):
    return {layer.name for layer in model.layers if layer.trainable_weights}


def test_unfreeze_top_resnet50_residual_blocks():
    model = load_backbone("resnet50", weights=None, input_shape=(64, 64, 3)).model
    blocks = backbone_blocks(model)
    names = [name for name, _ in blocks]
    assert names[0] == "stem" and names[-1] == "conv5_block3" and len(names) == 1 + 3 + 4 + 6 + 3
    for name, layers in blocks[1:]:  # every residual block holds exactly one Add, then its ReLU
        assert [type(layer).__name__ for layer in layers].count("Add") == 1
        assert [la.name for la in layers if la.name.startswith(name)][-1] == f"{name}_out"
    unfreeze_top(model, blocks=3)  # the three blocks of stage 5
    expected = {
        layer.name
        for layer in model.layers
        if layer.name.startswith("conv5_") and layer.weights and "_bn" not in layer.name
    }
    assert _trainable_names(model) == expected and "conv5_block1_0_conv" in expected
    assert not any(
        layer.trainable
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    unfreeze_top(model, blocks=0)
    assert model.trainable_weights == []


def test_unfreeze_top_vgg16_and_mobilenetv2():
    vgg = load_backbone("vgg16", weights=None, input_shape=(32, 32, 3)).model
    assert [name for name, _ in backbone_blocks(vgg)] == [f"block{i}" for i in range(1, 6)]
    unfreeze_top(vgg, blocks=2)
    assert _trainable_names(vgg) == {f"block{b}_conv{c}" for b in (4, 5) for c in (1, 2, 3)}

    mobile = load_backbone("mobilenetv2", weights=None, input_shape=(32, 32, 3)).model
    names = [name for name, _ in backbone_blocks(mobile)]
    assert names == ["stem", "expanded_conv", *[f"block_{i}" for i in range(1, 17)]]
    unfreeze_top(mobile, blocks=1)  # block_16 and the top convolution after it
    assert _trainable_names(mobile) == {
        "block_16_expand", "block_16_depthwise", "block_16_project", "Conv_1",
    }  # fmt: skip
    with pytest.raises(ValueError, match="`blocks` must be an int from 0 to 18"):
        unfreeze_top(mobile, blocks=19)


# --- features and cache ---------------------------------------------------------------------------


def _reference_features(backbone, images):
    return backbone.model.predict(backbone.preprocess(images), verbose=0)


def test_features_of_shuffled_dataset_stay_aligned(tiny, digits):
    images, _ = digits
    ids = np.arange(len(images))  # the label of each image is its own index
    dataset = (
        tf.data.Dataset.from_tensor_slices((images, ids))
        .shuffle(len(ids), seed=1, reshuffle_each_iteration=True)
        .batch(7)
    )
    features = extract_features(tiny, dataset, cache=False, progress=False)
    assert not np.array_equal(features.labels, ids)  # it was shuffled
    np.testing.assert_allclose(
        features.features, _reference_features(tiny, images)[features.labels], rtol=1e-4, atol=1e-5
    )


def test_second_call_reads_the_cache(tiny, digits, tmp_path, monkeypatch):
    images, labels = digits
    calls = []
    original = tiny.model.predict_on_batch
    monkeypatch.setattr(
        tiny.model, "predict_on_batch", lambda x: calls.append(len(x)) or original(x)
    )
    first = extract_features(tiny, (images, labels), cache_dir=tmp_path, progress=False)
    assert sum(calls) == len(images) and first.cache_file.parent == tmp_path
    assert [p.suffix for p in tmp_path.iterdir()] == [".npz"]  # no temporary file left behind
    calls.clear()
    order = np.random.default_rng(0).permutation(len(images))
    second = extract_features(
        tiny, (images[order], labels[order]), cache_dir=tmp_path, progress=False
    )
    assert calls == [] and second.cache_file == first.cache_file
    np.testing.assert_array_equal(second.features, first.features[order])
    np.testing.assert_array_equal(second.labels, labels[order])
    np.testing.assert_allclose(
        first.features, _reference_features(tiny, images), rtol=1e-4, atol=1e-5
    )
    other = load_backbone("tiny", weights=None)  # other weights: another key, a fresh run
    assert (
        extract_features(other, images, cache_dir=tmp_path, progress=False).cache_file
        != first.cache_file
    )


def test_weights_fingerprint_sees_any_changed_value():
    first, second = load_backbone("tiny"), load_backbone("tiny")  # two builds, the same file
    assert weights_fingerprint(first.model) == weights_fingerprint(second.model)
    # One element of one non-trainable statistic, nudged by one float32 step.
    variable = next(v for v in first.model.weights if "moving_variance" in v.path)
    original = variable.numpy()
    nudged = original.copy()
    nudged.flat[-1] = np.nextafter(nudged.flat[-1], np.float32(np.inf))
    variable.assign(nudged)
    assert weights_fingerprint(first.model) != weights_fingerprint(second.model)
    variable.assign(original)
    assert weights_fingerprint(first.model) == weights_fingerprint(second.model)


def test_cache_misses_after_one_pixel_or_one_weight_changes(tiny, digits, tmp_path):
    images, _ = digits
    images = images[:20].copy()
    first = extract_features(tiny, images, cache_dir=tmp_path, progress=False)
    images[7, 3, 4, 1] += 1.0  # one value of one image
    second = extract_features(tiny, images, cache_dir=tmp_path, progress=False)
    assert second.cache_file != first.cache_file
    np.testing.assert_allclose(
        second.features, _reference_features(tiny, images), rtol=1e-4, atol=1e-5
    )
    backbone = load_backbone("tiny")  # its own model: changing it leaves the fixture alone
    kernel = backbone.model.trainable_weights[0]
    kernel.assign(kernel.numpy() * 1.01)  # as a fine-tuning step would
    third = extract_features(backbone, images, cache_dir=tmp_path, progress=False)
    assert third.cache_file not in (first.cache_file, second.cache_file)
    np.testing.assert_allclose(
        third.features, _reference_features(backbone, images), rtol=1e-4, atol=1e-5
    )


def _two_per_class(images, labels):
    pick = np.concatenate([np.flatnonzero(labels == c)[:2] for c in range(5)])
    return images[pick], labels[pick]


def _write_folder(root, images, labels, names):
    from PIL import Image

    paths = []
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / names[label]
        folder.mkdir(parents=True, exist_ok=True)
        paths.append(str(folder / f"{i:03d}.png"))
        Image.fromarray(image.astype(np.uint8)).save(paths[-1])
    return paths


def test_features_from_folder_keep_paths(tiny, digits, tmp_path):
    images, labels = _two_per_class(*digits)
    images = images.astype(np.uint8).astype(np.float32)  # what the PNG files hold
    names = ["five", "six", "seven", "eight", "nine"]
    paths = _write_folder(tmp_path / "photos", images, labels, names)
    (tmp_path / "photos" / "six" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.warns(UserWarning, match="broken.png"):
        features = extract_features(
            tiny, tmp_path / "photos", cache_dir=tmp_path / "c", progress=False
        )
    assert features.class_names == sorted(names) and len(features) == len(images)
    for path, label, row in zip(features.paths, features.labels, features.features, strict=True):
        i = paths.index(path)
        assert features.class_names[label] == names[labels[i]]
        np.testing.assert_allclose(row, _reference_features(tiny, images[i : i + 1])[0], atol=1e-4)
    again = extract_features(tiny, tmp_path / "photos", cache_dir=tmp_path / "c", progress=False)
    assert again.paths == features.paths and again.cache_file == features.cache_file


# --- heads and mistakes ---------------------------------------------------------------------------


def test_attach_logistic_head_predicts_like_scikit_learn(tiny, digits):
    images, labels = digits
    features = extract_features(tiny, (images, labels), cache=False, progress=False)
    head = train_linear_head(features, method="logistic")
    model = attach_head(tiny, head)
    assert model.input_shape == (None, 32, 32, 3) and model.output_shape == (None, 5)
    np.testing.assert_allclose(
        model.predict(images, verbose=0), head.predict_proba(features.features), atol=1e-4
    )
    keras_head = train_linear_head(features, epochs=3)
    assert keras_head.output_shape == (None, 5) and len(keras_head.history.epoch) == 3
    with pytest.raises(TypeError, match="k-NN"):
        attach_head(tiny, train_linear_head(features, method="knn"))


def _logit_model():
    """Class probabilities = softmax of the mean of each channel: known by construction."""
    inputs = keras.Input((4, 4, 3))
    outputs = keras.layers.Softmax()(keras.layers.GlobalAveragePooling2D()(inputs))
    return keras.Model(inputs, outputs)


def test_most_confident_mistakes_by_hand(tmp_path):
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, (30, 3)).astype(np.float32)
    images = np.broadcast_to(logits[:, None, None, :], (30, 4, 4, 3)).copy()
    labels = rng.integers(0, 3, 30)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    worst = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:4]
    mistakes = most_confident_mistakes(_logit_model(), (images, labels), k=4, batch_size=8)
    np.testing.assert_array_equal(mistakes.indices, worst)
    np.testing.assert_array_equal(mistakes.true_labels, labels[worst])
    np.testing.assert_array_equal(mistakes.predicted_labels, predicted[worst])
    np.testing.assert_allclose(
        mistakes.probabilities, probabilities[worst, predicted[worst]], rtol=1e-5
    )
    np.testing.assert_array_equal(mistakes.images, images[worst])
    assert mistakes.error_rate == pytest.approx(len(wrong) / 30)


def test_most_confident_mistakes_from_folder_have_paths(tiny, digits, tmp_path):
    images, labels = _two_per_class(*digits)
    names = ["a", "b", "c", "d", "e"]
    _write_folder(tmp_path, images, labels, names)
    model = attach_head(tiny, train_linear_head(np.ones((5, 128)), np.arange(5), epochs=1))
    mistakes = most_confident_mistakes(model, tmp_path, k=3)
    assert len(mistakes) == 3 and mistakes.class_names == names
    for path, true in zip(mistakes.paths, mistakes.true_labels, strict=True):
        assert f"/{names[true]}/" in path
