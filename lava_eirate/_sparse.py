"""Sparse-matrix helpers that do not import scipy until a scipy matrix is actually used
(keeps ``import lava_eirate`` and a small dense run fast)."""
from __future__ import annotations

import numpy as np


def is_sparse(x) -> bool:
    """True for scipy.sparse matrices and arrays, without importing scipy."""
    return type(x).__module__.startswith("scipy.sparse") and hasattr(x, "nnz")


def csc_parts(mat):
    """``(indptr, post, values)`` of a dense or scipy matrix ``W[post, pre]`` by column,
    zeros dropped, targets ascending within each column."""
    if is_sparse(mat):
        import scipy.sparse as sp
        csc = sp.csc_matrix(mat)
        csc.sum_duplicates()
        csc.eliminate_zeros()
        csc.sort_indices()
        return csc.indptr.astype(np.int64), csc.indices, csc.data
    mat = np.asarray(mat)
    pre, post = np.nonzero(mat.T)
    indptr = np.zeros(mat.shape[1] + 1, np.int64)
    np.cumsum(np.bincount(pre, minlength=mat.shape[1]), out=indptr[1:])
    return indptr, post, mat[post, pre]
