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

    def get_scores(self, tokens: Sequence[str]) -> np.ndarray:
        scores = np.zeros(self.n, dtype=np.float32)
        for term in tokens:  # repeats count again, as in bm25s
            parts = [(s.postings[term], off, s) for s, off in zip(self.segments, self.offsets) if term in s.postings]
            if not parts:
                continue
            df = sum(len(p[0]) for p, _, _ in parts)
            idf = np.float32(math.log(1 + (self.n - df + 0.5) / (df + 0.5)))
            for (pos, tf), off, seg in parts:
                norm = K1 * ((1 - B) + B * seg.lengths[pos] / self.avglen)  # float64
                contrib = (idf * (tf / (norm + tf))).astype(np.float32)
                np.add.at(scores, pos + off, contrib)
        return scores
