"""cnnlab.inspect.layer_table on ResNet-152 against Keras' own model.summary(), same model, same run.

The table infers every shape symbolically (no forward pass) and adds activations, FLOPs,
receptive fields and memory totals that summary() does not have. Target: layer_table on
ResNet-152 (224x224x3, 517 layers) under 2 s; the ratio to summary() is given for scale.
"""

from __future__ import annotations

import time

from harness import interleaved_medians, report

from cnnlab.inspect import layer_table
from cnnlab.models import resnet


def main() -> None:
    started = time.perf_counter()
    model = resnet(depth=152)
    print(f"built ResNet-152 ({model.count_params():,} parameters) in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    lines: list[str] = []
    medians = interleaved_medians(
        {
            "layer_table": lambda: layer_table(model),
            "summary": lambda: model.summary(print_fn=lambda line, **_: lines.append(line)),
        },
        repeat=7,
        warmup=1,
    )
    table = layer_table(model)
    print(f"{len(table.rows)} rows, {table.total_flops / 1e9:.2f} G multiply-adds, "
          f"{table.total_activations:,} activations per image")  # fmt: skip
    report(
        "layer_table(ResNet-152) vs keras Model.summary()",
        medians["layer_table"],
        medians["summary"],
        target=f"absolute: ours < 2 s; ours = {medians['layer_table']:.2f} s",
    )


if __name__ == "__main__":
    main()
