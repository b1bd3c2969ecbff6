"""Figures and animations of the lecture; every function returns a Figure or animation and never
calls ``plt.show()`` (Jupyter displays a returned Figure; scripts call ``fig.savefig``).

Figures carry what they drew as ``cnnlab_*`` attributes (``fig.cnnlab_embedding``,
``fig.cnnlab_matrix``...) so that tests and curious students can check the picture's numbers.
"""

from cnnlab.viz.animation import (
    SlidingWindowAnimation,
    animate_convolution,
    animate_pooling,
    convolution_diagram,
)
from cnnlab.viz.embedding import nearest_neighbors, show_nearest, tsne_embedding, tsne_map
from cnnlab.viz.gradcam import GradCam, grad_cam, grad_cam_result, show_grad_cam
from cnnlab.viz.images import imshow, show_feature_maps, show_images, show_kernels
from cnnlab.viz.training import plot_confusion_matrix, plot_history, show_mistakes

__all__ = [
    "GradCam",
    "SlidingWindowAnimation",
    "animate_convolution",
    "animate_pooling",
    "convolution_diagram",
    "grad_cam",
    "grad_cam_result",
    "imshow",
    "nearest_neighbors",
    "plot_confusion_matrix",
    "plot_history",
    "show_feature_maps",
    "show_grad_cam",
    "show_images",
    "show_kernels",
    "show_mistakes",
    "show_nearest",
    "tsne_embedding",
    "tsne_map",
]
