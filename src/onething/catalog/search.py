"""Find a thing the way a person asks for it: 孩子出生了, 开个饭馆, 老人去世.

Text is segmented with jieba (search mode) and, to survive words jieba splits differently, also
cut into character pairs. Each thing is indexed by its name, keywords, description and the names
of its items, with weights; query words are widened by the catalog's synonym groups; scores are
summed with an inverse document frequency so that common words (办理, 申请) count for little.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

from onething.catalog.model import Catalog, CompiledThing
from onething.kit.memo import OnceMap

jieba.setLogLevel(logging.WARNING)

_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()

_STOP = frozenset(
    {
        "的", "了", "个", "我", "要", "想", "去", "在", "和", "与", "及", "或", "怎么", "如何", "哪里",
        "什么", "需要", "一下", "一个", "办", "办理", "申请", "手续", "事", "一件事", "请问", "吗", "呢", "啊", "吧",
    }
)  # fmt: skip
_WEIGHTS = {"name": 6.0, "keyword": 5.0, "stage": 3.0, "description": 1.5, "item": 1.0}
_PAIR_FACTOR = 0.35  # character pairs: recall, not precision
_SYNONYM_FACTOR = 0.8
_NON_WORD = re.compile(r"[\s\W_]+", re.UNICODE)


def _jieba() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                tok = jieba.Tokenizer()
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def words(text: str) -> list[str]:
    """Segmented words, stop words removed."""
    out: list[str] = []
    for chunk in _NON_WORD.split(text.lower()):
        if not chunk:
            continue
        out.extend(w for w in _jieba().cut_for_search(chunk) if w.strip() and w not in _STOP)
    return out


def pairs(text: str) -> list[str]:
    out: list[str] = []
    for chunk in _NON_WORD.split(text.lower()):
        out.extend(chunk[i : i + 2] for i in range(len(chunk) - 1))
    return out


@dataclass(frozen=True)
class Hit:
    thing: CompiledThing
    score: float
    matched: tuple[str, ...]


class ThingIndex:
    def __init__(self, catalog: Catalog) -> None:
        tok = _jieba()
        for thing in catalog.things.values():  # teach jieba the catalog's own words
            for word in (thing.spec.name, *thing.spec.keywords):
                if 2 <= len(word) <= 8:
                    tok.add_word(word, freq=2000)
        self.things = list(catalog.things.values())
        self.synonyms: dict[str, set[str]] = defaultdict(set)
        for group in catalog.synonyms:
            for w in group:
                self.synonyms[w.lower()].update(x.lower() for x in group if x != w)
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        for doc, thing in enumerate(self.things):
            for field, text in self._fields(catalog, thing):
                weight = _WEIGHTS[field]
                for w in words(text):
                    self._post(w, doc, weight)
                for p in pairs(text):
                    self._post("\0" + p, doc, weight * _PAIR_FACTOR)
        n = len(self.things)
        self.idf = {t: math.log(1 + n / len(docs)) for t, docs in self.postings.items()}

    def _post(self, term: str, doc: int, weight: float) -> None:
        if self.postings[term].get(doc, 0.0) < weight:
            self.postings[term][doc] = weight

    @staticmethod
    def _fields(catalog: Catalog, thing: CompiledThing) -> Iterable[tuple[str, str]]:
        yield "name", thing.spec.name
        for kw in thing.spec.keywords:
            yield "keyword", kw
        yield "stage", thing.spec.stage
        yield "description", thing.spec.description
        for comp in thing.components:
            yield "item", catalog.items[comp.spec.item].spec.name

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        terms: dict[str, float] = {}
        for w in words(query):
            terms[w] = max(terms.get(w, 0.0), 1.0)
            for syn in self.synonyms.get(w, ()):
                for sw in words(syn) or [syn]:
                    terms[sw] = max(terms.get(sw, 0.0), _SYNONYM_FACTOR)
        for p in pairs(query):
            terms["\0" + p] = max(terms.get("\0" + p, 0.0), 1.0)
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, list[str]] = defaultdict(list)
        for term, factor in terms.items():
            docs = self.postings.get(term)
            if not docs:
                continue
            idf = self.idf[term]
            for doc, weight in docs.items():
                scores[doc] += factor * weight * idf
                if not term.startswith("\0"):
                    matched[doc].append(term)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self.things[kv[0]].spec.name))
        best = ranked[0][1] if ranked else 0.0
        # Keep matches that are a fair fraction of the best, so one shared character pair
        # does not drag every thing in.
        return [
            Hit(self.things[doc], round(score, 3), tuple(dict.fromkeys(matched[doc])))
            for doc, score in ranked[:limit]
            if score >= best * 0.2
        ]


_indexes: OnceMap[tuple[str, int | None], ThingIndex] = OnceMap(limit=4)


def index_for(catalog: Catalog) -> ThingIndex:
    return _indexes.get((catalog.digest, catalog.version), lambda: ThingIndex(catalog))
