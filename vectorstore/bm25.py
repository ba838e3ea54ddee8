"""BM25 (Lucene variant) over segments that can be added and dropped without a rebuild.

bm25s, used before, precomputes every (chunk, token) score from the corpus-wide statistics
(chunk count, document frequencies, mean length), so any change to the store meant rebuilding
all of it: 0.2-0.4 s at 962 chunks, linear in the corpus, on the first question after each
ingest in every process. Here a segment (one document version) keeps only its postings (term ->
chunk positions and term frequencies) and chunk lengths; the statistics are combined at query
time, for the query's tokens only. Adding or dropping a document is then the cost of that
document alone.

The arithmetic is bm25s's "lucene" method step by step, including its float32/float64 mix, so
scores are bit-identical to ``bm25s.BM25(k1, b, method="lucene")`` over the same tokens (tested
against bm25s itself):

    idf(t)   = float32(ln(1 + (N - df + 0.5) / (df + 0.5)))
    s(t, d)  = float32(idf(t) * tf / (k1 * (1 - b + b * len(d) / avglen) + tf))
    score(d) = sum over the query's tokens (repeats included) of s(t, d), in float32
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

K1 = 1.5
B = 0.75


@dataclass(frozen=True)
class Segment:
    """The postings of one document version's chunks."""

    ids: tuple[str, ...]
    lengths: np.ndarray  # tokens per chunk (int64)
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # term -> (chunk positions, tf float32)

    @classmethod
    def of(cls, ids: Sequence[str], tokens: Sequence[Sequence[str]]) -> Segment:
        where: dict[str, list[int]] = {}
        freq: dict[str, list[int]] = {}
        for pos, toks in enumerate(tokens):
            for term, tf in Counter(toks).items():
                where.setdefault(term, []).append(pos)
                freq.setdefault(term, []).append(tf)
        postings = {t: (np.asarray(where[t], dtype=np.int64), np.asarray(freq[t], dtype=np.float32))
                    for t in where}
        return cls(tuple(ids), np.asarray([len(t) for t in tokens], dtype=np.int64), postings)

    def to_json(self) -> dict:
        return {"ids": list(self.ids), "lengths": self.lengths.tolist(),
                "postings": {t: [p.tolist(), f.astype(int).tolist()] for t, (p, f) in self.postings.items()}}

    @classmethod
    def from_json(cls, data: dict) -> Segment:
        postings = {t: (np.asarray(p, dtype=np.int64), np.asarray(f, dtype=np.float32))
                    for t, (p, f) in data["postings"].items()}
        return cls(tuple(data["ids"]), np.asarray(data["lengths"], dtype=np.int64), postings)


class SegmentedBM25:
    """A BM25 index made of segments, in order; ``ids`` are the chunk ids in that order."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments = list(segments)
        self.offsets = np.cumsum([0] + [len(s.ids) for s in self.segments])
        self.ids: tuple[str, ...] = tuple(i for s in self.segments for i in s.ids)
        self.n = len(self.ids)
        total = int(sum(int(s.lengths.sum()) for s in self.segments))
        # np.mean of the integer lengths, as bm25s computes it (a float64 scalar)
        self.avglen = np.float64(total) / np.float64(self.n) if self.n else np.float64(1.0)

        # term -> (global chunk positions, tf, chunk lengths), merged over the segments on a
        # term's first use: a query then costs one vector operation per token instead of one
        # per (token, segment) pair, which at thousands of documents was most of a question's
        # time. A new index (after any change) starts with an empty cache.
        self._merged: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray] | None] = {}

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        if term not in self._merged:
            parts = [(s.postings[term], off, s) for s, off in zip(self.segments, self.offsets) if term in s.postings]
            self._merged[term] = (
                np.concatenate([pos + off for (pos, _), off, _ in parts]),
                np.concatenate([tf for (_, tf), _, _ in parts]),
                np.concatenate([seg.lengths[pos] for (pos, _), _, seg in parts]),
            ) if parts else None
        return self._merged[term]

    def get_scores(self, tokens: Sequence[str]) -> np.ndarray:
        scores = np.zeros(self.n, dtype=np.float32)
        for term in tokens:  # repeats count again, as in bm25s
            merged = self._postings(term)
            if merged is None:
                continue
            where, tf, lengths = merged
            idf = np.float32(math.log(1 + (self.n - len(where) + 0.5) / (len(where) + 0.5)))
            norm = K1 * ((1 - B) + B * lengths / self.avglen)  # float64
            # positions are distinct within a term, so a plain indexed add is exact
            scores[where] += (idf * (tf / (norm + tf))).astype(np.float32)
        return scores
