"""The English function words the prompt readers share (:mod:`~a2i.render.painter.text` for subjects,
:mod:`~a2i.render.painter.colours` for colour words): the words that open a noun phrase and those that end one.

They decide whether a word heads its phrase ("a fish by the lake", "a single red rose on black") or describes the
word after it ("a lonely road", "a rose sky").

Examples
--------
>>> words = "a fish by the lake".split()
>>> words[0] in DETERMINERS, ends_its_phrase(words, 1, DETERMINERS), ends_its_phrase("a lonely road".split(), 1, DETERMINERS)
(True, True, False)
"""

from __future__ import annotations

from collections.abc import Collection

POSSESSIVES = frozenset({"my", "your", "his", "her", "its", "our", "their"})
#: Words before a noun phrase's head ("a fish", "the king", "another boat", "his father").
DETERMINERS = frozenset({"a", "an", "the", "this", "that", "these", "those", "some", "every", "each", "another"}) | POSSESSIVES
#: Words that end a noun's phrase after it: prepositions, articles, a verb "to be" (not "of": "a handful of people").
PHRASE_ENDS = frozenset({"in", "on", "at", "by", "with", "to", "from", "into", "onto", "over", "under", "above", "below",
                         "beneath", "across", "through", "along", "around", "toward", "towards", "near", "beside",
                         "between", "behind", "before", "after", "against", "as", "is", "are", "was", "were", "a", "an",
                         "the", "there", "where", "while", "which", "who", "that"})
CONJUNCTIONS = frozenset({"and", "or", "but", "nor"})


def ends_its_phrase(words: list[str], i: int, openers: Collection[str]) -> bool:
    """Whether nothing of word ``i``'s phrase follows it: the words end, a :data:`PHRASE_ENDS` word follows, or a
    conjunction and then the end or a new phrase (one of ``openers``: "a peach and a plum", not "a coral and
    turquoise palette")."""
    after = words[i + 1] if i + 1 < len(words) else None
    if after in CONJUNCTIONS:
        after = words[i + 2] if i + 2 < len(words) else None
        return after is None or after in openers
    return after is None or after in PHRASE_ENDS
