"""The English function words the prompt readers share (:mod:`~a2i.render.painter.text` for subjects,
:mod:`~a2i.render.painter.colours` for colour words): the words that open a noun phrase and those that end one.

They decide whether a word heads its phrase ("a fish by the lake", "a single red rose on black") or describes the
word after it ("a lonely road", "a rose sky").

Examples
--------
>>> words = "a fish by the lake".split()
>>> words[0] in DETERMINERS, words[2] in PHRASE_ENDS
(True, True)
"""

from __future__ import annotations

#: Words before a noun phrase's head ("a fish", "the king", "another boat").
DETERMINERS = frozenset({"a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our",
                         "their", "some", "every", "each", "another"})
#: Words that end a noun's phrase after it: prepositions, articles, a verb "to be" (not "of": "a handful of people").
PHRASE_ENDS = frozenset({"in", "on", "at", "by", "with", "to", "from", "into", "onto", "over", "under", "above", "below",
                         "beneath", "across", "through", "along", "around", "toward", "towards", "near", "beside",
                         "between", "behind", "before", "after", "against", "as", "is", "are", "was", "were", "a", "an",
                         "the", "there", "where", "while", "which", "who", "that"})
CONJUNCTIONS = frozenset({"and", "or", "but", "nor"})
