"""The fitted text model on disk: trained once, loaded after; a damaged or stale file is trained over."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.routing.adapters import model_cache
from services.routing.adapters.model_cache import cache_path, load_or_train, model_key
from services.routing.domain import text_model
from services.routing.domain.corpus import load_corpus, training_part
from services.routing.domain.text_model import FeatureOptions, TextModel

# A small slice of the corpus keeps each training to a second or so; every type is in it.
SAMPLE = training_part(load_corpus())[::4]
TEXTS = ["工地夜间施工噪音扰民", "小区门口烧烤油烟大", "我的社保卡丢了怎么办", "河里好多死鱼"]


class Trainings:
    """Counts the trainings, so a test can tell a load from a fit."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = TextModel.train.__func__  # type: ignore[attr-defined]

        def counted(cls: type[TextModel], *args: object, **kwargs: object) -> TextModel:
            self.count += 1
            return real(cls, *args, **kwargs)

        monkeypatch.setattr(TextModel, "train", classmethod(counted))


@pytest.fixture
def trainings(monkeypatch: pytest.MonkeyPatch) -> Trainings:
    return Trainings(monkeypatch)


def the_file(directory: Path) -> Path:
    return cache_path(directory, model_key(SAMPLE, FeatureOptions()))


def test_the_first_start_trains_and_stores_the_second_loads_the_same_model(tmp_path, trainings):
    first = load_or_train(tmp_path, SAMPLE)
    assert trainings.count == 1 and the_file(tmp_path).is_file()

    second = load_or_train(tmp_path, SAMPLE)

    assert trainings.count == 1  # loaded, not trained
    assert [second.predict(t) for t in TEXTS] == [first.predict(t) for t in TEXTS]
    assert second.trained_on == len(SAMPLE)


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "not ours", "empty"])
def test_a_damaged_cache_is_trained_over_and_rewritten(tmp_path, trainings, damage):
    model = load_or_train(tmp_path, SAMPLE)
    path = the_file(tmp_path)
    data = path.read_bytes()
    path.write_bytes({"flip a byte": data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:],
                      "truncate": data[: len(data) // 2],
                      "not ours": b"PK\x03\x04" + data[4:],
                      "empty": b""}[damage])

    again = load_or_train(tmp_path, SAMPLE)

    assert trainings.count == 2
    assert [again.predict(t) for t in TEXTS] == [model.predict(t) for t in TEXTS]
    assert path.read_bytes() == data  # rewritten whole (training is deterministic)
    load_or_train(tmp_path, SAMPLE)
    assert trainings.count == 2


def test_a_model_of_other_data_is_not_used_and_its_file_is_removed(tmp_path, trainings):
    load_or_train(tmp_path, SAMPLE)
    old = the_file(tmp_path)
    other = SAMPLE[:-1]  # one message fewer: another fingerprint

    load_or_train(tmp_path, other)

    assert trainings.count == 2
    assert not old.exists()
    assert [p.name for p in tmp_path.iterdir()] == [cache_path(tmp_path, model_key(other, FeatureOptions())).name]


def test_a_file_under_the_right_name_with_another_key_inside_is_stale(tmp_path, trainings):
    model = TextModel.train(SAMPLE[:-1])
    the_file(tmp_path).write_bytes(model_cache.dump(model, "not-this-key"))

    with pytest.raises(ValueError, match="stale"):
        model_cache.load(the_file(tmp_path).read_bytes(), model_key(SAMPLE, FeatureOptions()))
    load_or_train(tmp_path, SAMPLE)
    assert trainings.count == 2  # the stale one was not trusted


def test_the_key_follows_the_options_and_the_code(monkeypatch, tmp_path):
    key = model_key(SAMPLE, FeatureOptions())
    assert model_key(SAMPLE, FeatureOptions(c=5.0)) != key
    code = tmp_path / "text_model.py"
    code.write_text(Path(text_model.__file__).read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    monkeypatch.setattr(text_model, "__file__", str(code))
    assert model_key(SAMPLE, FeatureOptions()) != key


def test_the_key_follows_the_real_messages_that_taught_the_gate():
    key = model_key(SAMPLE, FeatureOptions())
    extra = [("快递柜坏了没人修", False), ("化工厂偷排废气", True)]
    assert model_key(SAMPLE, FeatureOptions(), extra) != key
    assert model_key(SAMPLE, FeatureOptions(), extra[:1]) != model_key(SAMPLE, FeatureOptions(), extra)
    assert model_key(SAMPLE, FeatureOptions(), [("快递柜坏了没人修", True)]) != model_key(
        SAMPLE, FeatureOptions(), extra[:1])


def test_without_a_directory_nothing_is_stored(tmp_path, trainings):
    load_or_train(None, SAMPLE)
    load_or_train(None, SAMPLE)
    assert trainings.count == 2 and list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_directory_does_not_stop_the_start(tmp_path, trainings):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the directory should be")
    model = load_or_train(blocked / "cache", SAMPLE)
    assert trainings.count == 1 and model.predict(TEXTS[0]).category == "noise"


def test_the_served_process_loads_the_model_from_its_cache_dir_at_warm_up(tmp_path, monkeypatch, trainings):
    """bootstrap's warm-up: the first start trains and stores, the second only loads."""
    from services.routing.bootstrap import bootstrap
    from services.routing.settings import RoutingSettings
    from shared.clock import SystemClock
    from shared.db import make_engine
    from shared.runtime import ServiceContext

    monkeypatch.setattr(model_cache, "training_part", lambda corpus: SAMPLE)
    monkeypatch.setattr(text_model, "_model", None)  # restored after the test
    settings = RoutingSettings(demo_mode=True, routing_model_cache_dir=str(tmp_path / "models"))
    engine = make_engine(f"sqlite:///{tmp_path / 'routing.db'}")  # bootstrap needs one; warm-up does not use it
    runtime = bootstrap(ServiceContext(settings=settings, engine=engine, clock=SystemClock(),
                                       transport=None))  # type: ignore[arg-type]

    runtime.warm_up()
    assert trainings.count == 1 and the_file(tmp_path / "models").is_file()
    assert text_model.default_model().trained_on == len(SAMPLE)

    monkeypatch.setattr(text_model, "_model", None)  # a new process
    runtime.warm_up()
    assert trainings.count == 1
    assert text_model.default_model().trained_on == len(SAMPLE)


def test_the_served_process_teaches_the_gate_the_real_messages_it_is_given(tmp_path, monkeypatch, trainings):
    """ROUTING_REAL_MESSAGES_TSV: a board file (label, tab, text); the mixed label teaches nothing."""
    from services.routing.bootstrap import bootstrap
    from services.routing.settings import RoutingSettings
    from shared.clock import SystemClock
    from shared.db import make_engine
    from shared.runtime import ServiceContext

    board = tmp_path / "board.tsv"
    board.write_text("环境保护\t化工厂半夜偷排废气\n城乡建设\t小区门口修路\n劳动和社会保障\t公司拖欠工资三个月\n",
                     encoding="utf-8")
    monkeypatch.setattr(model_cache, "training_part", lambda corpus: SAMPLE)
    monkeypatch.setattr(text_model, "_model", None)  # restored after the test
    settings = RoutingSettings(demo_mode=True, routing_model_cache_dir=str(tmp_path / "models"),
                               routing_real_messages_tsv=str(board))
    engine = make_engine(f"sqlite:///{tmp_path / 'routing.db'}")
    runtime = bootstrap(ServiceContext(settings=settings, engine=engine, clock=SystemClock(),
                                       transport=None))  # type: ignore[arg-type]

    runtime.warm_up()

    model = text_model.default_model()
    assert trainings.count == 1 and model.trained_on == len(SAMPLE) + 2
    assert model.environmental_from == text_model.ENVIRONMENTAL_FROM_WITH_EXTRA
    extra = [("化工厂半夜偷排废气", True), ("公司拖欠工资三个月", False)]
    assert cache_path(tmp_path / "models", model_key(SAMPLE, FeatureOptions(), extra)).is_file()
