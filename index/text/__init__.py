"""Text analysis, one home for the build, the search, the verdict and the highlighter.

Every caller sees a text the same way: normalised once (``normalize``: NFKC, so full-width letters
and digits are plain ones, and traditional script folded to simplified), cut by one ``Lexicon``
(jieba with the archive's own words), split into the same sentences, and judged Chinese or not by
one test (``is_chinese``). English questions are read with the help of CC-CEDICT
(``translations``) and the pinyin of the archive's words (``pinyin_key``).

- ``normalize``: folding, numerals, markup, character pairs
- ``sentences``: sentence boundaries
- ``lexicon``: jieba with the archive's words
- ``question``: a question's content words and what it asks for
- ``cedict``: CC-CEDICT: names and common words, and the dictionary turned around
- ``english``: the English bridge (CC-CEDICT, pinyin)
"""

from .cedict import is_common_word, is_proper_name
from .english import (
    ENGLISH_STOPWORDS,
    english_places,
    english_words,
    pinyin_key,
    primary_translations,
    translations,
)
from .lexicon import Lexicon, domain_words
from .normalize import (
    bigram_tokens,
    bigrams,
    char_bigrams,
    fold,
    has_words,
    is_chinese,
    normalize,
    numerals,
    pairs,
    strip_markup,
    written_in_english,
)
from .question import QUESTION_WORDS, asked_for, content_words
from .sentences import ends_sentence, sentence_spans, split_sentences

__all__ = [
    "ENGLISH_STOPWORDS",
    "QUESTION_WORDS",
    "Lexicon",
    "asked_for",
    "bigram_tokens",
    "bigrams",
    "char_bigrams",
    "content_words",
    "domain_words",
    "ends_sentence",
    "english_places",
    "english_words",
    "fold",
    "has_words",
    "is_chinese",
    "is_common_word",
    "is_proper_name",
    "normalize",
    "numerals",
    "pairs",
    "pinyin_key",
    "primary_translations",
    "sentence_spans",
    "split_sentences",
    "strip_markup",
    "translations",
    "written_in_english",
]
