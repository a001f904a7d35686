"""Entity matching: a similarity for each candidate pair, from the entities' text, schema-agnostic
(all values together) or attribute-aware (mean over the attributes both records fill)."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from ai4c.core.errors import check_choice
from ai4c.linked.er.data import Task
from ai4c.linked.er.metablocking import Candidates
from ai4c.linked.er.registry import register

ANALYZERS = ("word", "char")


def _vectors(texts: list[str], analyzer: str, ngram: int, tfidf: bool) -> sparse.csr_matrix:
    """Row-normalised TF-IDF (or binary presence) vectors of word or character n-grams."""
    analyzer = check_choice("analyzer", analyzer, ANALYZERS)
    options = {"analyzer": "word" if analyzer == "word" else "char_wb",
               "ngram_range": (1, 1) if analyzer == "word" else (ngram, ngram),
               "lowercase": True, "dtype": np.float64}
    if analyzer == "word":
        options["token_pattern"] = r"(?u)\b\w+\b"
    cls = TfidfVectorizer if tfidf else CountVectorizer
    if tfidf:
        options["sublinear_tf"] = True
    else:
        options["binary"] = True
    try:
        return sparse.csr_matrix(cls(**options).fit_transform(texts))
    except ValueError:  # an empty vocabulary: no text at all
        return sparse.csr_matrix((len(texts), 1))


def _row_dot(m: sparse.csr_matrix, i: np.ndarray, j: np.ndarray, chunk: int = 500_000) -> np.ndarray:
    out = np.empty(len(i))
    for k in range(0, len(i), chunk):
        out[k:k + chunk] = np.asarray(m[i[k:k + chunk]].multiply(m[j[k:k + chunk]]).sum(axis=1)).ravel()
    return out


def _set_similarity(m: sparse.csr_matrix, i: np.ndarray, j: np.ndarray, kind: str) -> np.ndarray:
    """Jaccard, Dice or overlap coefficient of binary n-gram sets."""
    inter = _row_dot(m, i, j)
    size = np.asarray(m.sum(axis=1)).ravel()
    si, sj = size[i], size[j]
    if kind == "jaccard":
        denom = si + sj - inter
    elif kind == "dice":
        inter, denom = 2 * inter, si + sj
    else:
        denom = np.minimum(si, sj)
    return np.where(denom > 0, inter / np.where(denom > 0, denom, 1), 0.0)


def _similarity(texts: list[str], c: Candidates, measure: str, analyzer: str, ngram: int) -> np.ndarray:
    if measure == "tfidf-cosine":
        m = _vectors(texts, analyzer, ngram, tfidf=True)
        return _row_dot(m, c.i, c.j)
    m = _vectors(texts, analyzer, ngram, tfidf=False)
    return _set_similarity(m, c.i, c.j, measure)


def similarities(task: Task, c: Candidates, measure: str, analyzer: str, ngram: int,
                 attributes: list[str] | None) -> np.ndarray:
    """Similarity of each candidate pair; attribute-aware when `attributes` is given."""
    if not attributes:
        return _similarity(task.texts, c, measure, analyzer, ngram)
    total, filled = np.zeros(len(c)), np.zeros(len(c))
    for attribute in attributes:
        texts = task.texts_of([attribute])
        present = np.array([bool(t.strip()) for t in texts])
        both = present[c.i] & present[c.j]
        total += np.where(both, _similarity(texts, c, measure, analyzer, ngram), 0.0)
        filled += both
    return np.where(filled > 0, total / np.maximum(filled, 1), 0.0)


def _register_measure(measure: str, description: str) -> None:
    def method(task: Task, c: Candidates, analyzer: str = "word", ngram: int = 3,
               attributes: list[str] | None = None) -> np.ndarray:
        return similarities(task, c, measure, analyzer, ngram, attributes)
    register("matching", measure, description, analyzer=("word", list(ANALYZERS)), ngram=(3, [2, 3, 4]),
             attributes=(None, [None]))(method)


for _measure, _text in (("tfidf-cosine", "cosine of TF-IDF vectors (sublinear tf) of words or char n-grams"),
                        ("jaccard", "Jaccard coefficient of word or char n-gram sets"),
                        ("dice", "Dice coefficient of word or char n-gram sets"),
                        ("overlap", "overlap coefficient of word or char n-gram sets")):
    _register_measure(_measure, _text)
