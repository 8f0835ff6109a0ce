"""The segmenter's own run of jieba's precise mode (no HMM) gives jieba's words, word for word."""

from __future__ import annotations

import pytest

from services.routing.domain.corpus import load_corpus
from services.routing.domain.lexicon import _NOT_A_WORD, normalise, segmenter

EDGES = ["", " ", "，。！", "abc 123 x.y", "pm2.5超标了!!", "２０１９年ａｂ", "a-b_c#d&e%f", "噪音\r\n扰民\t打桩",
         "ⅷ①……", "中国abc中国123", "+++", "--噪音--", "_", "c++和c#", "50%的人", "12345678901",
         "夜间施工噪音扰民，渣土车洒落", "a", "的"]


def jieba_words(text: str) -> list[str]:
    """What Segmenter.words used to be: jieba's lcut, punctuation and blanks left out."""
    tokenizer = segmenter()._tokenizer
    return [w for w in tokenizer.lcut(text, HMM=False) if w.strip() and not _NOT_A_WORD.match(w)]


@pytest.mark.parametrize("text", EDGES)
def test_the_words_of_odd_texts_are_jiebas(text):
    assert segmenter().words(text) == jieba_words(text)


def test_the_words_of_every_corpus_message_are_jiebas():
    texts = [m.text for m in load_corpus()]
    openings = [normalise(t)[:100] for t in texts]
    ours = [segmenter().words(t) for t in texts + openings]
    assert ours == [jieba_words(t) for t in texts + openings]
    assert sum(map(len, ours)) > 5 * len(ours)  # words were found, not nothing on both sides


def test_ties_and_unknown_characters_follow_jieba():
    # 打桩 is a lexicon word added to the dictionary; 囧 and ASCII runs exercise the fallbacks
    for text in ["工地打桩噪音", "囧囧有神abc", "x", "ab12cd噪音"]:
        assert segmenter().words(text) == jieba_words(text)
