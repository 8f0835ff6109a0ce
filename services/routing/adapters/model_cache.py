"""The fitted text model kept on disk, so a process does not train it at start-up (训练缓存).

Training takes seconds of CPU (tens of seconds on a loaded machine), and every served process used to
do it before /readyz answered. Now the first start trains and writes the model here; later starts
load it in well under a second.

One file per fingerprint, `text-model-<key>.npz`. The key is a SHA-256 of what the model depends on:
the training messages (and any real messages for the scope model), the feature options, the code
that makes features and fits (text_model.py, lexicon.py), the lexicon file, and the versions of
scikit-learn, numpy and jieba. Change any of them and the key changes: the old file is not found,
the model is trained again and the old file removed.

Nothing read here is trusted blindly. The file is `MAGIC`, the SHA-256 of the payload, then the payload:
a numpy `.npz` of plain numeric arrays plus the facts as JSON bytes, loaded with `allow_pickle=False`
(no Python objects are ever unpickled). A file whose checksum, key or shapes do not match is logged,
trained over and rewritten. Writes go to a temporary file renamed into place, so two processes
starting together never see half a file.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from services.routing.domain import lexicon, text_model
from services.routing.domain.corpus import LabelledMessage, ScopeExample, load_corpus, training_part
from services.routing.domain.text_model import FeatureOptions, TextModel

log = logging.getLogger(__name__)

MAGIC = b"hechuan-text-model/1\n"
FACTS = "facts.json"  # the array that holds the JSON facts, as UTF-8 bytes
PREFIX = "text-model-"


def model_key(messages: Sequence[LabelledMessage], options: FeatureOptions,
              scope_extra: Sequence[ScopeExample] = ()) -> str:
    """The fingerprint of everything the fitted model depends on."""
    digest = hashlib.sha256(MAGIC)
    for source in (Path(text_model.__file__), Path(lexicon.__file__), lexicon.TERMS):
        digest.update(source.read_bytes())
    for package in ("scikit-learn", "numpy", "jieba"):
        digest.update(f"{package}={version(package)}\n".encode())
    digest.update(repr(options).encode())
    for m in messages:
        digest.update(f"{m.category}\t{m.subcategory}\t{m.text}\n".encode())
    for text, environmental in scope_extra:
        digest.update(f"scope\t{environmental}\t{text}\n".encode())
    return digest.hexdigest()


def cache_path(directory: Path, key: str) -> Path:
    return directory / f"{PREFIX}{key[:32]}.npz"


def dump(model: TextModel, key: str) -> bytes:
    facts, arrays = model.to_arrays()
    facts["key"] = key
    payload = io.BytesIO()
    contents: dict[str, Any] = {FACTS: np.frombuffer(json.dumps(facts).encode(), dtype=np.uint8), **arrays}
    np.savez(payload, **contents)
    body = payload.getvalue()
    return MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def load(data: bytes, key: str) -> TextModel:
    """The model in `data`; ValueError when it is not a whole, matching file of ours."""
    if not data.startswith(MAGIC):
        raise ValueError("not a text-model file")
    checksum, _, body = data[len(MAGIC):].partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != checksum:
        raise ValueError("checksum mismatch (a damaged or truncated file)")
    with np.load(io.BytesIO(body), allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    facts = json.loads(arrays.pop(FACTS).tobytes().decode())
    if facts.get("key") != key:
        raise ValueError("trained on other data or code (stale)")
    try:
        return TextModel.from_arrays(facts, arrays)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"incomplete model: {exc!r}") from exc


def _write(directory: Path, key: str, model: TextModel) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    target = cache_path(directory, key)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(dump(model, key))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for old in directory.glob(f"{PREFIX}*.npz"):  # models of older data or code
        if old != target:
            old.unlink(missing_ok=True)


def load_or_train(directory: Path | None, messages: Sequence[LabelledMessage] | None = None,
                  options: FeatureOptions = FeatureOptions(),
                  scope_extra: Sequence[ScopeExample] = ()) -> TextModel:
    """The model trained on `messages` (the corpus's training part by default) and `scope_extra`: from
    the cache in `directory` when a sound file for the same data and code is there, else trained and
    written there. `directory` None: trained, nothing stored. A cache that cannot be written is logged,
    not fatal."""
    messages = training_part(load_corpus()) if messages is None else messages
    if directory is None:
        return TextModel.train(messages, options, scope_extra)
    key = model_key(messages, options, scope_extra)
    path = cache_path(directory, key)
    if path.is_file():
        try:
            model = load(path.read_bytes(), key)
            log.info("text model loaded from %s", path)
            return model
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            log.warning("text model cache %s not used, training again: %s", path, exc)
    model = TextModel.train(messages, options, scope_extra)
    try:
        _write(directory, key, model)
        log.info("text model trained on %d messages and stored in %s", len(messages), path)
    except OSError as exc:
        log.warning("text model cache %s not written: %s", path, exc)
    return model
