"""Grading: release student notebooks, check answers, and grade submissions safely.

Modules, from the student outwards:

- ``selfcheck``: ``cnnlab.check("q2")`` runs a question's public checks inside the notebook.
- ``checks``: the ``@probe`` decorator a lab's ``checks.py`` uses, the code probes run as, and the
  comparison with tolerances (always in the grader's process when grading).
- ``wire``: probe answers as JSON with ``.npy`` arrays, never pickle.
- ``lab`` and ``release``: the lab folder layout, ``cnnlab release`` and the student-only course copy.
- ``sandbox`` and ``runner``: the isolated, resource-limited kernel and the incremental probing.
- ``grader``, ``gradebook`` and ``verify``: ``cnnlab grade``, results files, ``cnnlab lab verify``.

Only ``check`` is re-exported by ``cnnlab``; importing this package stays light (no numpy, no
Jupyter) so a student's ``cnnlab.check`` and the sandbox wrapper start fast.

Example:
    >>> import cnnlab
    >>> cnnlab.check  # doctest: +ELLIPSIS
    <function check at ...>
"""

from cnnlab.grading.selfcheck import check

__all__ = ["check"]
