"""Which files of a tree hold a word: the substring scan behind the lazy tree index.

The texts are joined into one string (NUL-separated: decoding refuses NUL, so no
word spans two files) and searched with `str.find`, skipping to the next file
after each hit: a word costs one C-level pass plus one step per file holding it,
not a Python step per file.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping


class TextSearch:
    def __init__(self, texts: Mapping[str, str]) -> None:
        self.keys = list(texts)
        self.position = {key: number for number, key in enumerate(self.keys)}
        self._starts: list[int] = []
        offset = 0
        for text in texts.values():
            self._starts.append(offset)
            offset += len(text) + 1
        self._joined = "\0".join(texts.values())
        self._memo: dict[str, frozenset[str]] = {}

    def holding(self, word: str) -> frozenset[str]:
        """Keys whose text contains `word`."""
        found = self._memo.get(word)
        if found is None:
            found = self._memo[word] = frozenset(self._scan(word))
        return found

    def _scan(self, word: str) -> Iterable[str]:
        if not word:
            yield from self.keys
            return
        joined, starts, keys = self._joined, self._starts, self.keys
        last = len(keys) - 1
        hit = joined.find(word)
        while hit >= 0:
            number = bisect_right(starts, hit) - 1
            yield keys[number]
            if number == last:
                return
            hit = joined.find(word, starts[number + 1])

    @property
    def escaped(self) -> frozenset[str]:
        """Keys with a backslash: a double-quoted escape there can spell any word."""
        return self.holding("\\")

    def matching(self, words: Iterable[str], any_of: Iterable[str] = ()) -> list[str]:
        """Keys (in order) whose text holds every one of `words` and, when given, one of
        `any_of`; plus every `escaped` key."""
        found: set[str] | frozenset[str] | None = None
        for word in sorted(words, key=lambda word: len(self.holding(word))):
            found = self.holding(word) if found is None else found & self.holding(word)
        alternatives = list(any_of)
        if alternatives:
            either = frozenset().union(*(self.holding(word) for word in alternatives))
            found = either if found is None else found & either
        if found is None:
            return list(self.keys)
        found = found | self.escaped
        return sorted(found, key=self.position.__getitem__)
