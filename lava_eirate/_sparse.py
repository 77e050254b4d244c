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


def checked(name: str, mat):
    """``mat`` after checking its index structure, for a scipy.sparse matrix (anything
    else is returned as it is). scipy trusts a matrix built from raw index arrays; an
    index out of range or a decreasing ``indptr`` would make the kernels read and write
    out of bounds, so it is refused here with a ValueError naming ``name``."""
    if not is_sparse(mat):
        return mat
    fmt = getattr(mat, "format", "")
    try:
        if fmt in ("csr", "csc", "bsr"):
            mat.check_format(full_check=True)
        elif fmt == "coo":
            rows, cols = mat.row, mat.col
            if rows.shape != mat.data.shape or cols.shape != mat.data.shape:
                raise ValueError("row, col and data differ in length")
            for idx, size, axis in ((rows, mat.shape[0], "row"), (cols, mat.shape[1], "column")):
                if idx.size and (idx.min() < 0 or idx.max() >= size):
                    raise ValueError(f"{axis} index {int(idx.max() if idx.max() >= size else idx.min())} "
                                     f"outside [0, {size - 1}]")
    except ValueError as exc:
        raise ValueError(f"{name} is a malformed scipy.sparse {fmt} matrix: {exc}") from None
    return mat
