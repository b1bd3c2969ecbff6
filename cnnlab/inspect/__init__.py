"""Look inside any Keras 3 model: per-layer shapes, activations, parameters, FLOPs, receptive fields.

``layer_table(model)`` walks the model's graph (Sequential, Functional, and models nested inside
them, such as a ``keras.applications`` backbone) and infers every shape symbolically: no data is
run through the network, so ResNet-152 takes well under a second.

Conventions, stated once:

* **Activations** are the values in every layer's output for one image, the input included, as
  in the lecture's VGG-16 table. Each layer's output counts once: a ``Conv2D`` with a fused ReLU
  is one output, a ``Conv2D`` followed by ``BatchNormalization`` and ``Activation`` is three.
  ``Flatten`` and ``Reshape`` outputs are views of their input and are not counted again.
* **FLOPs** are multiply-adds, one multiply-add counted as one operation (the convention behind
  "ResNet-50: 3.8-3.9 GFLOPs, VGG-16: 15.5"). Only convolutions and dense layers are counted;
  biases, batch norm, activations, pooling and additions are left out (under 1% for these
  networks). Double the figure for the "2 operations per multiply-add" convention.
* **Memory** in bytes: activations x bytes per value x batch size for the forward pass, twice
  that for training (one gradient per stored activation). Parameters x bytes per value for the
  weights alone; training also holds one gradient per *trainable* weight and the optimizer's
  state: plain SGD x2 (weights + gradients), SGD with momentum x3 (+ one velocity per weight),
  Adam x4 (+ first and second moments), i.e. ``params + (multiplier - 1) * trainable_params``
  values. Optimizer scalars (step count, learning rate) are ignored. MB means 10**6 bytes.
* **Receptive field and jump** per spatial axis: a unit of a layer sees ``receptive_field``
  input pixels along each axis, and neighbouring units are ``jump`` input pixels apart. A
  window of size ``F`` (dilated to ``d*(F-1)+1``) and stride ``S`` gives
  ``rf_out = rf_in + (F - 1) * jump_in`` and ``jump_out = jump_in * S``. After ``Flatten`` or
  global pooling a unit sees ``rf_in + (W - 1) * jump_in`` (more than the image when padding is
  counted) and has no jump.
* **Geometry**: for every convolution or pooling without padding the table computes
  ``(W - F + 2P)/S + 1`` itself and reports layers where it is not an integer, which Keras floors
  silently (AlexNet's conv1 on 224x224 gives 54.25).

Example:
    >>> from cnnlab.models import vgg16
    >>> table = layer_table(vgg16())
    >>> table.total_params, table.total_activations
    (138357544, 15237608)
"""

from __future__ import annotations

from .compare import ModelComparison, compare_models, published_top1
from .table import LayerRow, LayerTable
from .walk import layer_table

__all__ = [
    "LayerRow",
    "LayerTable",
    "ModelComparison",
    "compare_models",
    "layer_table",
    "published_top1",
]
