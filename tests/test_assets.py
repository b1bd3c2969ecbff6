"""The asset manager: registry, resumable verified downloads from a real HTTP server on 127.0.0.1,
installs from a folder, offline messages, the `cnnlab data` command and doctor's advice.

Nothing here reaches the internet: every download goes to a server started in a thread below,
or to a closed local port.
"""

import hashlib
import http.server
import io
import os
import re
import socket
import threading
import zipfile
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

from cnnlab import assets, settings
from cnnlab.assets import ASSETS, COLLECTIONS, Asset, asset_path, asset_status, check_file
from cnnlab.cli import main
from cnnlab.download import DownloadError, fetch

PAYLOAD = np.random.default_rng(0).integers(0, 256, 300_000, dtype=np.uint8).tobytes()
SHA256 = hashlib.sha256(PAYLOAD).hexdigest()
MD5 = hashlib.md5(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files``; honours ``Range: bytes=N-``; can cut a response short."""

    def do_GET(self):
        state = self.server.state
        state.requests.append((self.path, self.headers.get("Range")))
        if self.path in state.errors:
            self.send_error(state.errors[self.path])
            return
        data = state.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        wanted = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if wanted and not state.ignore_range:
            start = int(wanted.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        if not state.no_length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = state.cut_after.pop(self.path, None)
        self.wfile.write(body if cut is None else body[:cut])  # then the connection closes

    def log_message(self, *args):
        pass


class _State:
    def __init__(self):
        self.files, self.errors, self.cut_after, self.requests = {}, {}, {}, []
        self.ignore_range = self.no_length = False


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.state = _State()
    httpd.state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.state
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def caches(tmp_path, monkeypatch):
    """Empty Keras and dataset caches, and two registered test assets (sha256 and md5)."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CNNLAB_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CNNLAB_MIRROR", raising=False)
    for asset in (
        Asset("test-set", "test/set.bin", "https://example.invalid/set.bin", "datasets", SHA256,
              "a test dataset", len(PAYLOAD)),
        Asset("test-weights", "weights.h5", "https://example.invalid/w.h5", "models", MD5,
              "test weights", None),
    ):  # fmt: skip
        monkeypatch.setitem(ASSETS, asset.name, asset)
    return tmp_path


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- registry ----------------------------------------------------------------------------------


def test_every_registered_asset_has_an_https_url_and_a_way_to_be_checked():
    real = {name: a for name, a in ASSETS.items() if not name.startswith("test-")}
    assert {"cats-vs-dogs", "mnist", "cifar10", "imagenet-class-index"} <= set(real)
    assert {
        "resnet50-weights",
        "vgg16-weights",
        "mobilenetv2-weights",
        "efficientnetb0-weights",
    } <= set(real)
    assert len(COLLECTIONS["fashion-mnist"]) == 4
    for asset in real.values():
        assert asset.url.startswith("https://"), asset.name
        assert asset.checksum is not None or asset.size is not None, asset.name
        if asset.checksum is not None:
            assert re.fullmatch(r"[0-9a-f]{32}|[0-9a-f]{64}", asset.checksum), asset.name
    for members in COLLECTIONS.values():
        assert set(members) <= set(ASSETS)
    from cnnlab.transfer.backbones import BACKBONES

    for name, spec in BACKBONES.items():  # every backbone with and without its classifier
        if name != "tiny":
            assert spec.asset in COLLECTIONS["imagenet"], name
            assert spec.top_asset in COLLECTIONS["imagenet-top"], name
    # `make data` fetches "course": everything but the classifiers no notebook or lab loads.
    assert set(COLLECTIONS["course"]) == set(COLLECTIONS["all"]) - {
        "resnet50-top-weights", "vgg16-top-weights", "efficientnetb0-top-weights",
    }  # fmt: skip


def test_weights_go_to_keras_cache_and_datasets_to_cnnlab_data(caches):
    assert asset_path("resnet50-weights") == (
        caches / "keras" / "models" / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    )
    assert asset_path("fashion-mnist-test-labels") == (
        caches / "data" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz"
    )


def test_datasets_default_to_the_checkout_data_cache(monkeypatch):
    monkeypatch.delenv("CNNLAB_DATA", raising=False)
    root = settings.checkout_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    assert assets.data_home() == root / "data" / "cache"


# Run in a fresh interpreter: Keras reads KERAS_HOME once at import, and binds urlretrieve then.
_ASK_KERAS = """
import inspect, json, sys, urllib.request
import numpy as np

class Stop(Exception):
    pass

requests = []

def record(url, filename=None, *args, **kwargs):  # stands in for the download: no network
    requests.append((url, filename))
    raise Stop

urllib.request.urlretrieve = record
import keras

apps, datasets = keras.applications, keras.datasets
asks = {
    "resnet50-weights": lambda: apps.ResNet50(weights="imagenet", include_top=False),
    "vgg16-weights": lambda: apps.VGG16(weights="imagenet", include_top=False),
    "mobilenetv2-weights": lambda: apps.MobileNetV2(
        weights="imagenet", include_top=False, input_shape=(224, 224, 3)
    ),
    "efficientnetb0-weights": lambda: apps.EfficientNetB0(weights="imagenet", include_top=False),
    "resnet50-top-weights": lambda: apps.ResNet50(weights="imagenet"),
    "vgg16-top-weights": lambda: apps.VGG16(weights="imagenet"),
    "mobilenetv2-top-weights": lambda: apps.MobileNetV2(weights="imagenet"),
    "efficientnetb0-top-weights": lambda: apps.EfficientNetB0(weights="imagenet"),
    "imagenet-class-index": lambda: apps.imagenet_utils.decode_predictions(np.ones((1, 1000))),
    "mnist": datasets.mnist.load_data,
    "fashion-mnist-train-labels": datasets.fashion_mnist.load_data,
    "cifar10": datasets.cifar10.load_data,
}
sources = {name: "" for name in asks}
sources.update(
    {
        "resnet50-weights": inspect.getsource(inspect.getmodule(apps.ResNet50)),
        "vgg16-weights": inspect.getsource(inspect.getmodule(apps.VGG16)),
        "efficientnetb0-weights": inspect.getsource(inspect.getmodule(apps.EfficientNetB0)),
        "imagenet-class-index": inspect.getsource(apps.imagenet_utils.decode_predictions),
        "mnist": inspect.getsource(datasets.mnist.load_data),
        "cifar10": inspect.getsource(datasets.cifar10.load_data),
    }
)
for network in ("resnet50", "vgg16", "efficientnetb0"):  # one module holds both hashes
    sources[f"{network}-top-weights"] = sources[f"{network}-weights"]
answers = {}
for name, ask in asks.items():
    requests.clear()
    try:
        ask()
    except Stop:
        pass
    answers[name] = [*requests[0], sources[name]]
print(json.dumps(answers))
"""


def test_the_registry_matches_what_keras_asks_for(tmp_path):
    """Keras' own loaders, run with downloads intercepted: same URLs, file names and hashes."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "KERAS_HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [sys.executable, "-c", _ASK_KERAS], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    answers = json.loads(run.stdout.strip().splitlines()[-1])
    for name, (url, target, source) in answers.items():
        asset = ASSETS[name]
        assert url == asset.url, name
        if asset.cache_subdir == "models":  # the very file keras.applications opens
            assert Path(target) == tmp_path / "models" / asset.filename, name
        elif name != "cifar10":  # Keras names its CIFAR-10 download after the extracted folder
            assert Path(target).name == Path(asset.filename).name, name
        if source:
            assert asset.checksum in source, name
    assert set(answers) >= set(COLLECTIONS["imagenet"]) | set(COLLECTIONS["imagenet-top"])


def test_unknown_names_are_rejected_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"`name` must be .*mnist.*Got 'mnits'"):
        fetch("mnits")


# --- downloads ---------------------------------------------------------------------------------


def test_fetch_downloads_verifies_and_then_uses_the_cache(server, caches, monkeypatch):
    server.files["/test/set.bin"] = PAYLOAD
    monkeypatch.setenv("CNNLAB_MIRROR", server.url + "/")
    path = fetch("test-set", progress=False)
    assert path == caches / "data" / "test" / "set.bin"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256
    assert not path.with_name("set.bin.part").exists()
    assert fetch("test-set", progress=False) == path
    assert len(server.requests) == 1  # the second call read the cache
    assert asset_status("test-set").state == "present"


def test_an_interrupted_download_resumes_with_a_range_request(server, caches):
    server.files["/w.h5"] = PAYLOAD
    server.cut_after["/w.h5"] = 100_000
    url = server.url + "/w.h5"
    with pytest.raises(DownloadError, match="stopped early") as caught:
        fetch("test-weights", url=url, retries=0, progress=False)
    part = caches / "keras" / "models" / "weights.h5.part"
    assert "resumes" in str(caught.value) and str(part) in str(caught.value)
    assert part.stat().st_size == 100_000
    assert not (caches / "keras" / "models" / "weights.h5").exists()
    path = fetch("test-weights", url=url, progress=False)
    assert server.requests == [("/w.h5", None), ("/w.h5", "bytes=100000-")]
    assert hashlib.md5(path.read_bytes()).hexdigest() == MD5
    assert not part.exists()


def test_a_retry_resumes_within_one_call(server, caches):
    server.files["/set.bin"] = PAYLOAD
    server.cut_after["/set.bin"] = 123_456
    path = fetch("test-set", url=server.url + "/set.bin", retries=1, progress=False)
    assert [r[1] for r in server.requests] == [None, "bytes=123456-"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256


def test_a_cut_without_content_length_is_caught_by_the_published_size(server, caches):
    server.files["/set.bin"] = PAYLOAD
    server.no_length = True  # the body simply ends when the connection closes
    server.cut_after["/set.bin"] = 50_000
    path = fetch("test-set", url=server.url + "/set.bin", retries=1, progress=False)
    assert [r[1] for r in server.requests] == [None, "bytes=50000-"]
    assert path.read_bytes() == PAYLOAD


def test_a_server_that_ignores_range_restarts_the_file(server, caches):
    server.files["/set.bin"] = PAYLOAD
    server.ignore_range = True
    part = caches / "data" / "test" / "set.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"stale bytes from another version")
    path = fetch("test-set", url=server.url + "/set.bin", progress=False)
    assert server.requests[0][1] == "bytes=32-"
    assert path.read_bytes() == PAYLOAD


def test_a_checksum_mismatch_installs_nothing_and_removes_the_download(server, caches):
    wrong = bytes(reversed(PAYLOAD))  # same size, other content
    server.files["/set.bin"] = wrong
    with pytest.raises(DownloadError, match="does not match the published") as caught:
        fetch("test-set", url=server.url + "/set.bin", progress=False)
    assert "nothing was installed" in str(caught.value)
    assert not (caches / "data" / "test" / "set.bin").exists()
    assert not (caches / "data" / "test" / "set.bin.part").exists()


def test_a_truncated_cached_file_is_reported_and_replaced(server, caches):
    target = caches / "data" / "test" / "set.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD[:1000])
    status = asset_status("test-set")
    assert status.state == "corrupt" and "expected 300000" in status.detail
    assert asset_status("test-set", verify=False).state == "corrupt"
    server.files["/set.bin"] = PAYLOAD
    fetch("test-set", url=server.url + "/set.bin", progress=False)
    assert target.read_bytes() == PAYLOAD


@pytest.mark.parametrize(("code", "attempts"), [(500, 3), (503, 3), (404, 1)])
def test_server_errors_name_the_status_and_url(server, caches, code, attempts):
    server.errors["/set.bin"] = code
    url = server.url + "/set.bin"
    with pytest.raises(DownloadError, match=f"answered {code}") as caught:
        fetch("test-set", url=url, retries=2, progress=False)
    assert url in str(caught.value)
    assert len(server.requests) == attempts  # 5xx retried, 4xx not
    assert not (caches / "data" / "test" / "set.bin").exists()


def test_offline_the_message_names_the_file_its_url_and_where_to_put_it(caches, monkeypatch):
    monkeypatch.setenv("CNNLAB_MIRROR", f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(DownloadError) as caught:
        fetch("test-set", progress=False)
    message = str(caught.value)
    assert "\n" not in message  # one paragraph
    assert "test/set.bin" in message and "https://example.invalid/set.bin" in message
    assert str(caches / "data" / "test" / "set.bin") in message
    assert "cnnlab data fetch test-set --from" in message and SHA256 in message


# --- installing from a folder ------------------------------------------------------------------


def test_source_dir_installs_a_verified_copy_and_leaves_the_source_alone(caches, monkeypatch):
    monkeypatch.setenv("CNNLAB_MIRROR", f"http://127.0.0.1:{_closed_port()}")  # no network use
    carried = caches / "usb"
    carried.mkdir()
    (carried / "set.bin").write_bytes(PAYLOAD)
    (carried / "weights.h5").write_bytes(PAYLOAD)
    before = (carried / "set.bin").stat()
    path = fetch("test-set", source_dir=carried, progress=False)
    assert path.read_bytes() == PAYLOAD and path == caches / "data" / "test" / "set.bin"
    assert (carried / "set.bin").stat().st_mtime_ns == before.st_mtime_ns
    assert (carried / "set.bin").read_bytes() == PAYLOAD
    assert fetch("test-weights", source_dir=carried, progress=False).read_bytes() == PAYLOAD


def test_source_dir_with_a_bad_or_missing_copy_installs_nothing(caches):
    carried = caches / "usb"
    carried.mkdir()
    (carried / "set.bin").write_bytes(PAYLOAD[:-10])
    with pytest.raises(DownloadError, match=r"is not a good copy of test/set\.bin") as caught:
        fetch("test-set", source_dir=carried, progress=False)
    assert "left as it is" in str(caught.value)
    assert (carried / "set.bin").read_bytes() == PAYLOAD[:-10]
    assert not (caches / "data" / "test" / "set.bin").exists()
    with pytest.raises(DownloadError, match=r"weights\.h5 \(test weights\) is not in"):
        fetch("test-weights", source_dir=carried, progress=False)


def test_files_without_checksum_are_checked_by_structure(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("PetImages/Cat/0.jpg", b"x" * 5000)
    data = buffer.getvalue()
    unchecked = Asset(
        "zip", "pets.zip", "https://example.invalid/p.zip", "datasets", None, "", None
    )
    (tmp_path / "good.zip").write_bytes(data)
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    assert check_file(unchecked, tmp_path / "good.zip") is None
    assert "not a complete zip archive" in check_file(unchecked, tmp_path / "cut.zip")
    import h5py

    with h5py.File(tmp_path / "w.h5", "w") as handle:
        handle["kernel"] = np.arange(50_000, dtype=np.float32)
    whole = (tmp_path / "w.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(whole[: len(whole) // 2])
    h5 = Asset("h5", "w.h5", "https://example.invalid/w.h5", "models", None, "", None)
    assert check_file(h5, tmp_path / "w.h5") is None
    assert "not a complete HDF5 file" in check_file(h5, tmp_path / "cut.h5")


def test_a_verified_file_is_not_read_again_until_it_changes(caches, monkeypatch):
    asset = ASSETS["test-set"]
    path = asset_path("test-set")
    path.parent.mkdir(parents=True)
    path.write_bytes(PAYLOAD)
    reads = []
    original = assets.file_checksum
    monkeypatch.setattr(assets, "file_checksum", lambda p, a: reads.append(p) or original(p, a))
    assert check_file(asset, path) is None and len(reads) == 1
    assert check_file(asset, path) is None and len(reads) == 1  # remembered
    before = path.stat()
    path.write_bytes(bytes(len(PAYLOAD)))  # damaged in place, same size
    # Timestamps can be as coarse as a few milliseconds: make the rewrite visibly later.
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
    assert "does not match the published" in check_file(asset, path) and len(reads) == 2
    path.write_bytes(PAYLOAD)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 2 * 10**9))
    assert check_file(asset, path) is None and len(reads) == 3


# --- the command line and doctor ---------------------------------------------------------------


def _run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_fetch_from_a_folder_then_list(caches):
    carried = caches / "usb"
    carried.mkdir()
    (carried / "set.bin").write_bytes(PAYLOAD)
    code, out, _ = _run("data", "fetch", "test-set", "--from", str(carried), "--quiet")
    assert code == 0 and out.strip() == f"test-set: {caches / 'data' / 'test' / 'set.bin'}"
    code, out, _ = _run("data", "list")
    assert code == 0
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.strip()}
    assert rows["test-set"] == "present" and rows["mnist"] == "missing"
    assert "chelsea" in out


def test_cli_fetch_offline_fails_with_the_message(caches, monkeypatch):
    monkeypatch.setenv("CNNLAB_MIRROR", f"http://127.0.0.1:{_closed_port()}")
    code, out, err = _run("data", "fetch", "test-set", "nope", "--quiet")
    assert code == 1 and out == ""
    assert "Connection refused" in err and "--from" in err and "Got 'nope'" in err


def test_cli_verify_exits_nonzero_on_bad_files(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(tmp_path / "ok.png")
    code, out, _ = _run("data", "verify", str(tmp_path), "--quiet")
    assert code == 0 and out.startswith("1 good image(s), 0 bad file(s)")
    (tmp_path / "empty.jpg").write_bytes(b"")
    code, out, _ = _run("data", "verify", str(tmp_path), "--quiet")
    assert code == 1 and f"{tmp_path / 'empty.jpg'}: empty file (0 bytes)" in out


def test_doctor_points_at_cnnlab_data_fetch(caches):
    from cnnlab.doctor import _asset_checks

    checks = {c.topic: c for c in _asset_checks(online=None)}
    assert "`cnnlab data fetch mnist`" in checks["mnist"].next_step
    assert "--from DIR" in checks["mnist"].next_step
    assert "`make data` fetches it" in checks["mobilenetv2-top-weights"].next_step
    assert "not in `make data`" in checks["vgg16-top-weights"].next_step  # 553 MB, unused
    offline = {c.topic: c for c in _asset_checks(online=False)}
    assert ASSETS["vgg16-weights"].url in offline["vgg16-weights"].next_step
    assert "cnnlab data fetch vgg16-weights --from DIR" in offline["vgg16-weights"].next_step
