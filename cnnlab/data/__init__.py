"""Data for the labs, offline first: bundled real images, image folders, and the asset manager.

- ``samples``: real photographs shipped inside scikit-image, scikit-learn and matplotlib
  (``sample_image``), scikit-learn's handwritten digits (``load_digits``), texture patches
  (``texture_patches``) and a seeded synthetic shapes set with boxes (``make_shapes``).
- ``folders``: ``verify_images`` finds corrupt, truncated, empty and non-image files;
  ``image_folder_dataset`` loads a class-folder tree like Keras but skips those files.
- ``organize``: ``sort_into_class_folders`` and ``split_folder`` arrange files without ever
  deleting or overwriting one.
- ``fetch`` (from ``cnnlab.download``): downloads, resumes, verifies and installs the weights
  and datasets listed in ``cnnlab.assets``.

Example:
    >>> from cnnlab.data import sample_image
    >>> sample_image("coffee").shape
    (400, 600, 3)
"""

from cnnlab.data.folders import VerifyReport, image_folder_dataset, verify_images
from cnnlab.data.organize import FileReport, sort_into_class_folders, split_folder
from cnnlab.data.samples import (
    Shapes,
    TrainTestSplit,
    list_sample_images,
    load_digits,
    make_shapes,
    sample_image,
    texture_patches,
)
from cnnlab.download import DownloadError, fetch

__all__ = [
    "DownloadError",
    "FileReport",
    "Shapes",
    "TrainTestSplit",
    "VerifyReport",
    "fetch",
    "image_folder_dataset",
    "list_sample_images",
    "load_digits",
    "make_shapes",
    "sample_image",
    "sort_into_class_folders",
    "split_folder",
    "texture_patches",
    "verify_images",
]
