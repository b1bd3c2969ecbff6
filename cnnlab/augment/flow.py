"""The objects ``flow`` and ``flow_from_directory`` return: Keras ``PyDataset``s fed by ``tf.data``.

Batch ``position`` of epoch ``e`` is a pure function of ``(seed, e, position)``: the epoch's
permutation and every random draw come from stateless seeds. Batches are normally served in order
from one ``tf.data`` stream (parallel map over batches, prefetch) that runs across epochs; a batch
asked for out of order is computed directly by the same traced function, so both routes give the
same pixels.

``model.fit`` shuffles the order in which it asks for a ``PyDataset``'s batches. With
``shuffle=True`` that order carries no meaning (the images are already shuffled), so the first
request of an epoch gets its first batch, the second request the second, and so on; asking again
for an index returns the same batch. With ``shuffle=False``, index ``i`` is always images
``i * batch_size`` onwards.
"""

from __future__ import annotations

import atexit
import gc
import math
import numbers
import random
import threading
import weakref

import keras
import numpy as np
import tensorflow as tf

from cnnlab.augment import engine
from cnnlab.augment.resample import xla_available

_INDICES = tf.TensorSpec([None], tf.int64)
_SCALAR = tf.TensorSpec([], tf.int64)

# Flows with an open tf.data stream. A stream's prefetch threads run tf.numpy_function (the
# images, a preprocessing_function, Pillow decoding), which needs the GIL. Left to the
# interpreter's final teardown, a stream is destroyed when other threads can no longer take the
# GIL, and it waits for them forever: a script that stopped iterating a flow hung at exit about
# one run in three. An atexit hook closes the streams while threads still run normally.
_OPEN_FLOWS: weakref.WeakSet = weakref.WeakSet()


def _close_open_streams() -> None:
    for flow in list(_OPEN_FLOWS):
        flow._stream = flow._stream_at = None
    gc.collect()


atexit.register(_close_open_streams)


class BatchFlow(keras.utils.PyDataset):
    """Base of the iterators: epochs, permutations, the tf.data stream and the direct route.

    Subclasses provide ``_load(indices)`` (float32 images) and ``_outputs(images, indices)``.
    """

    def __init__(self, generator, n: int, batch_size: int, shuffle: bool, seed: int | None):
        super().__init__()
        whole = lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool)  # noqa: E731
        if not whole(batch_size) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int. Got {batch_size!r}.")
        if seed is not None and not whole(seed):
            raise TypeError(f"`seed` must be an int or None. Got {seed!r}.")
        self.image_data_generator = generator
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        # Unseeded flows draw from Python's generator, which keras.utils.set_random_seed seeds.
        self._seed = int(seed) if seed is not None else random.getrandbits(31)
        self._lock = threading.RLock()
        self._epoch = 0
        self._cursor = 0  # position for next(), Keras 2 style
        self._assigned: dict[int, int] = {}  # requested index -> batch position (shuffle=True)
        self._served: set[int] = set()  # batch positions served in this epoch
        self._early_advance = False
        self._last_position = -1
        self._config = None
        self._stream = None
        self._stream_at: tuple[int, int] | None = None
        self._batch_function = None
        self._permutations: dict[int, np.ndarray] = {}

    # --- what subclasses provide -------------------------------------------------------------
    def _load(self, indices: tf.Tensor) -> tf.Tensor:
        """float32 images (B, H, W, C) for the sample ``indices``, not yet augmented."""
        raise NotImplementedError

    def _outputs(self, images: tf.Tensor, indices: tf.Tensor) -> tuple[tf.Tensor, ...]:
        """What one batch yields: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError

    # --- PyDataset -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def __getitem__(self, index: int):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"Batch index must be an int. Got {index!r}.")
        if not 0 <= index < len(self):
            raise IndexError(f"Batch index must be in [0, {len(self)}). Got {index}.")
        with self._lock:
            self._refresh()
            if len(self._served) == len(self):
                # Every batch of this epoch was served: a new request belongs to the next epoch
                # (Keras may prefetch it before calling on_epoch_end, which is then not repeated).
                self._advance()
                self._early_advance = True
            position = int(index)
            if self.shuffle:
                position = self._assigned.setdefault(position, len(self._assigned))
            batch = self._serve(self._epoch, position)
            self._served.add(position)
            self._last_position = position
        arrays = tuple(tensor.numpy() for tensor in batch)
        return arrays[0] if len(arrays) == 1 else arrays

    def _serve(self, epoch: int, position: int):
        wanted = (epoch, position)
        if self._stream_at != wanted and position in (0, self._last_position + 1):
            self._open_stream(epoch, position)  # a sequential reader: serve it from tf.data
        if self._stream_at != wanted:  # out of order: the same function, computed directly
            indices = self._batch_indices(epoch, position)
            return self._batch_function(
                tf.constant(epoch, tf.int64), tf.constant(position, tf.int64), indices
            )
        last = position + 1 == len(self)
        self._stream_at = (epoch + 1, 0) if last else (epoch, position + 1)
        return next(self._stream)

    def on_epoch_end(self) -> None:
        """Start the next epoch: a new permutation (when shuffling) and new random draws."""
        with self._lock:
            early, self._early_advance = self._early_advance, False
            if not early or len(self._served) == len(self):
                self._advance()

    def _advance(self) -> None:
        self._permutations.pop(self._epoch, None)
        self._epoch += 1
        self._cursor = 0
        self._assigned.clear()
        self._served.clear()
        self._last_position = -1

    def __iter__(self):
        """One epoch of batches; a finished loop moves on to the next epoch (Keras 2 looped forever)."""
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()

    def __next__(self):
        """The next batch, crossing into the next epoch at the end, as Keras 2's ``next(flow)``."""
        if len(self) == 0:
            raise StopIteration
        with self._lock:
            if self._cursor >= len(self):
                self.on_epoch_end()
            index = self._cursor
            self._cursor += 1
        return self[index]

    next = __next__

    def reset(self) -> None:
        """Make ``next()`` start again from the first batch of the current epoch."""
        self._cursor = 0

    @property
    def index_array(self) -> np.ndarray:
        """Sample order of the current epoch (a permutation of ``range(n)`` when shuffling)."""
        return self._permutation(self._epoch).copy()

    # --- internals -----------------------------------------------------------------------------
    def _refresh(self) -> None:
        config = self.image_data_generator._engine_config()
        if config != self._config:
            config.check_statistics()
            self._config = config
            self._use_xla = xla_available()
            self._stream = self._stream_at = None
            self._batch_function = tf.function(
                self._compute_batch, input_signature=[_SCALAR, _SCALAR, _INDICES]
            )

    def _seed_pair(self, stream: int) -> tf.Tensor:
        return tf.constant([self._seed, stream], tf.int64)

    def _permutation_tensor(self, epoch: tf.Tensor) -> tf.Tensor:
        if not self.shuffle:
            return tf.range(self.n, dtype=tf.int64)
        seed = tf.random.experimental.stateless_fold_in(self._seed_pair(1), epoch)
        return tf.argsort(tf.random.stateless_uniform([self.n], seed=seed), stable=True)

    def _permutation(self, epoch: int) -> np.ndarray:
        if epoch not in self._permutations:
            tensor = self._permutation_tensor(tf.constant(epoch, tf.int64))
            self._permutations[epoch] = tf.cast(tensor, tf.int64).numpy()
        return self._permutations[epoch]

    def _batch_indices(self, epoch: int, position: int) -> tf.Tensor:
        start = position * self.batch_size
        return tf.constant(self._permutation(epoch)[start : start + self.batch_size], tf.int64)

    def _compute_batch(self, epoch, position, indices):
        seed = tf.random.experimental.stateless_fold_in(self._seed_pair(2), epoch)
        seed = tf.random.experimental.stateless_fold_in(seed, position)
        images = engine.augment_batch(
            self._load(indices), self._config, seed, use_xla=self._use_xla
        )
        return self._outputs(images, indices)

    def _open_stream(self, epoch: int, position: int) -> None:
        n, size = self.n, self.batch_size

        def batches_of(epoch):
            order = tf.cast(self._permutation_tensor(epoch), tf.int64)
            starts = tf.range(0, n, size, dtype=tf.int64)
            return tf.data.Dataset.from_tensor_slices(starts).map(
                lambda start: (epoch, start // size, order[start : start + size])
            )

        stream = tf.data.Dataset.range(epoch, 2**62).flat_map(batches_of).skip(position)
        stream = stream.map(
            self._batch_function, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )
        self._stream = iter(stream.prefetch(tf.data.AUTOTUNE))
        self._stream_at = (epoch, position)
        _OPEN_FLOWS.add(self)
