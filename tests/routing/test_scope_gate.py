"""The environmental/out-of-scope gate: the lexicon's fast word search finds what a plain search finds,
real messages of another board read as scope examples, and such messages teach the gate (only the
gate) with the threshold measured for that mix."""

from __future__ import annotations

import pytest

from services.routing.domain.corpus import load_corpus, read_board, scope_examples, training_part
from services.routing.domain.lexicon import load_lexicon, normalise
from services.routing.domain.text_model import (
    ENVIRONMENTAL_FROM,
    ENVIRONMENTAL_FROM_WITH_EXTRA,
    TextModel,
)

SAMPLE = training_part(load_corpus())[::4]
# Messages about parcel lockers and couriers: a subject the corpus never mentions.
PARCELS = ["小区的快递柜三天两头坏，取件码发了也打不开柜门，快递员电话也打不通",
           "快递站把包裹随便堆在门口，丢了两个件，快递公司互相推诿不赔偿",
           "快递员不送上门，让我们自己去驿站取，驿站还要收保管费，合理吗",
           "网购的东西快递显示已签收，我根本没收到，快递点说不归他们管",
           "驿站超时收费，包裹放三天就收钱，快递公司说是驿站自己定的",
           "快递柜占了消防通道，物业和快递公司都说不是他们放的"]
NEW_PARCEL = "楼下的快递驿站老是弄丢包裹，打电话投诉快递公司也没人理"


def test_the_indexed_word_search_finds_what_a_plain_search_finds_in_the_same_order():
    lexicon = load_lexicon()
    for message in load_corpus():
        text = normalise(message.text)
        plain = [(word, category, sub) for (category, sub), words in lexicon.types.items()
                 for word in words if word in text]
        assert [(h.word, h.category, h.subcategory) for h in lexicon.type_hits(text)] == plain
        bodies = [(word, body) for body, words in lexicon.signals.items() for word in words if word in text]
        assert [(h.word, h.body) for h in lexicon.body_hits(text)] == bodies


def test_a_board_file_reads_as_scope_examples_leaving_the_mixed_label_out(tmp_path):
    board = tmp_path / "board.tsv"
    board.write_text("环境保护\t化工厂晚上偷排废气\n城乡建设\t小区门口修路灰尘大\n劳动和社会保障\t公司拖欠工资\n"
                     "no tab on this line\n教育文体\t  \n交通运输\t公交车太少\n", encoding="utf-8")

    rows = read_board(board)

    assert rows == [("环境保护", "化工厂晚上偷排废气"), ("城乡建设", "小区门口修路灰尘大"),
                    ("劳动和社会保障", "公司拖欠工资"), ("交通运输", "公交车太少")]
    assert scope_examples(rows) == [("化工厂晚上偷排废气", True), ("公司拖欠工资", False), ("公交车太少", False)]


@pytest.fixture(scope="module")
def plain() -> TextModel:
    return TextModel.train(SAMPLE)


@pytest.fixture(scope="module")
def taught() -> TextModel:
    examples = [(text, False) for text in PARCELS] + [("化工厂半夜偷排废气，味道刺鼻", True)]
    return TextModel.train(SAMPLE, scope_extra=examples)


def test_real_messages_teach_the_gate_and_set_its_threshold(plain, taught):
    assert plain.environmental_from == ENVIRONMENTAL_FROM
    assert taught.environmental_from == ENVIRONMENTAL_FROM_WITH_EXTRA
    assert taught.trained_on == len(SAMPLE) + len(PARCELS) + 1
    assert taught.predict(NEW_PARCEL).environmental < plain.predict(NEW_PARCEL).environmental
    assert not taught.predict(NEW_PARCEL).in_scope


def test_real_messages_teach_no_types(plain, taught):
    assert taught.type.labels == plain.type.labels and taught.subtype.labels == plain.subtype.labels
    for text in ("对面工地天天打桩，吵得脑壳痛", "楼下火锅店的油烟直接排到我家窗户"):
        assert taught.predict(text).category == plain.predict(text).category


def test_an_n_gram_of_only_one_extra_message_is_not_kept(taught):
    """Only n-grams in two extra messages or more join the vocabulary (the model stays small)."""
    in_sample = {f for m in SAMPLE for f in taught.space.features(m.text)}
    assert "取件码" not in in_sample and sum("取件码" in text for text in PARCELS) == 1
    assert "取件码" not in taught.vocabulary
    assert "驿站" not in in_sample and sum("驿站" in text for text in PARCELS) == 2
    assert "驿站" in taught.vocabulary


def test_a_stored_model_keeps_its_threshold(taught):
    facts, arrays = taught.to_arrays()
    again = TextModel.from_arrays(facts, arrays)

    assert again.environmental_from == ENVIRONMENTAL_FROM_WITH_EXTRA
    assert again.predict(NEW_PARCEL) == taught.predict(NEW_PARCEL)
