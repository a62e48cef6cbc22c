"""The verdict, "found": does the archive appear to answer the question, how sure is it, and
which sentence answers it.

Questions the archive cannot answer are typically near misses: a real fact asked about another
year (2018 instead of 2017), another place (绍兴 instead of 嘉善), an honour the article does not
name, or a detail it never gives. Their best passages look as close as a real answer's to the
dense model, so the verdict reads the question and the best passage instead (``read_question``,
``evidence``):

- the question's **terms**: its content words (jieba's, or for an English question its words
  mapped to the archive's through CC-CEDICT and the pinyin of the archive's names), each weighted
  by its rarity in this archive (IDF), with Chinese numerals in digits (第三届 = 第3届);
- its **key terms**: names (jieba's tags, unless CC-CEDICT lists the word only as a common one),
  numbers, Latin words and quoted words: an answer repeats them;
- **what it asks for** (a number, a time, a person, a place) and whether the sentence of the best
  passage that holds most of its terms holds such a thing;
- how close, by the ranking model, the best passage's sentences that name most of the question's
  terms lie to it (``measured_sentences``): a near miss's passage is on the topic, but none of its
  sentences says what is asked.

``confidence`` combines them in a logistic model whose few coefficients were fit on near misses
made from CMRC/XQuAD (``scripts/fit_verdict.py``), never on the sets it is reported on. A question
with no words, or none that the archive knows, is never found: there is nothing to match.

Its modules: ``_reading`` (the question's terms and what it asks for), ``_sentences`` (the best
passage's measured sentences and the answer span), ``_evidence`` (the features), ``_judge`` (the
rule, the coefficients and the verdict). It knows nothing of the saved index beyond its
vocabulary, so a fit can weigh recorded passages again without the model.
"""

from ._evidence import FEATURES, Closeness, Evidence, Ranked, evidence, weigh
from ._judge import Verdict, judge
from ._reading import Reading, Term, read_question
from ._sentences import MEASURED_SENTENCES, SentenceVectors, answer_span, measured_sentences

__all__ = [
    "FEATURES",
    "MEASURED_SENTENCES",
    "Closeness",
    "Evidence",
    "Ranked",
    "Reading",
    "SentenceVectors",
    "Term",
    "Verdict",
    "answer_span",
    "evidence",
    "judge",
    "measured_sentences",
    "read_question",
    "weigh",
]
