"""Data augmentation: the lecture's ImageDataGenerator on Keras 3, fused and parallel.

`ImageDataGenerator` takes Keras 2's arguments with Keras 2's meaning and returns batches that
``model.fit``, ``model.predict`` and ``for`` loops accept. Each image's rotation, shift, shear,
zoom and flips are composed into one affine matrix and a whole batch is resampled at once by an
XLA-compiled sampler inside ``tf.data`` (parallel map, prefetch), so an image is interpolated
once; files are decoded and resized by TensorFlow ops. Modules: `config` (argument checks),
`engine` (draws, matrices, colour steps, standardization), `resample` (the sampler), `files`
(folders), `flow` and `iterators` (the batch sequences), `layers`, `show`.
`augmentation_layers` builds the equivalent Keras preprocessing layers (other units!),
`explain_translation` prints the argument-by-argument mapping, and `show_augmentations` draws
the slide's grid of variants.

Example:
    >>> from cnnlab.augment import ImageDataGenerator
    >>> gen = ImageDataGenerator(rescale=1 / 255, rotation_range=40, zoom_range=0.2)
    >>> train_flow = gen.flow_from_directory("train", target_size=(224, 224))
    Found 12 images belonging to 2 classes.
"""

from cnnlab.augment.generator import ImageDataGenerator
from cnnlab.augment.layers import augmentation_layers, explain_translation
from cnnlab.augment.show import show_augmentations

__all__ = ["ImageDataGenerator", "augmentation_layers", "explain_translation", "show_augmentations"]
