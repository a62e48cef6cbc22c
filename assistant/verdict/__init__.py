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

The question's **focus**, the attribute it asks for (床位 in 开化县职工疗休养服务中心有多少张床位？),
must be in the passage the verdict cites: the right article found, the detail asked not given,
is the commonest way a reader is misled. A missing focus makes the verdict not found, reason
``focus``, naming it; one the whole archive never mentions is the strongest such evidence; another
quantity of the same kind in its place (建筑面积 for 占地面积) is reported as ``instead``.

Its modules: ``_reading`` (the question's terms and what it asks for), ``_focus`` and
``_focus_english`` (the focus of a Chinese and an English question), ``_scope`` (what a value asked
is of: the deed, the whole a count is a part of), ``_forms`` (the forms of
value a question may ask for: a sum, a percentage, a duration, an amount in a unit), ``_attest`` (whether a
passage mentions it), ``_sentences`` (the best passage's measured sentences and the answer span),
``_evidence`` (the features), ``_judge`` (the rules, the coefficients and the verdict), ``_reader``
(the protocol a reading model plugs into: ``Reader``, ``Opinion``, ``consult``), ``_chat_reader``
(a ``Reader`` over an OpenAI-compatible chat endpoint: ``ChatReader``). It knows nothing
of the saved index beyond its vocabulary, so a fit can weigh recorded passages again without the model.
"""

from ._attest import Attestation, attest
from ._chat_reader import ChatReader
from ._evidence import FEATURES, Closeness, Evidence, Ranked, evidence, weigh
from ._focus import Focus, chinese_focus
from ._focus_english import english_focus
from ._judge import FOCUS_CONFIDENCE, Verdict, judge
from ._reader import READER_PASSAGES, Opinion, Reader, consult
from ._reading import Reading, Term, read_question
from ._sentences import MEASURED_SENTENCES, SentenceVectors, answer_span, measured_sentences

__all__ = [
    "FEATURES",
    "FOCUS_CONFIDENCE",
    "MEASURED_SENTENCES",
    "READER_PASSAGES",
    "Attestation",
    "ChatReader",
    "Closeness",
    "Evidence",
    "Focus",
    "Opinion",
    "Ranked",
    "Reader",
    "Reading",
    "SentenceVectors",
    "Term",
    "Verdict",
    "answer_span",
    "attest",
    "chinese_focus",
    "consult",
    "english_focus",
    "evidence",
    "judge",
    "measured_sentences",
    "read_question",
    "weigh",
]
