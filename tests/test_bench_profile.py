"""bench/profile.py: what `python -m bench.ceiling --profile` prints is read from py-spy's raw samples correctly."""

from __future__ import annotations

from bench.profile import summarise

RAW = "\n".join([
    # 6 samples: in SQLAlchemy, under our repository, under the command that started the server
    "thread (1): MainThread;main (services/cli.py:571);_write (services/intake/adapters/repository.py:240);"
    "execute (sqlalchemy/orm/session.py:2283) 6",
    # 3 samples: in our own function, under a Starlette middleware
    "thread (1): MainThread;main (services/cli.py:571);__call__ (starlette/routing.py:96);"
    "receive (services/intake/domain/complaint.py:80) 3",
    # 1 sample: in uvicorn, with nothing of ours but the command on the stack
    "thread (1): MainThread;main (services/cli.py:571);run (uvicorn/server.py:86) 1",
    "",
    "not a sample line",
])


def test_samples_are_summed_by_the_innermost_library_and_by_our_innermost_function() -> None:
    found = summarise(RAW)
    assert found.samples == 10
    assert dict(found.areas) == {"sqlalchemy / sqlmodel": 0.6, "ours (services/, shared/)": 0.3,
                                 "uvicorn, event loop": 0.1}
    # the command that started the server is on every stack: it is not what the CPU was doing
    assert dict(found.ours) == {"services.intake.adapters.repository:_write": 0.6,
                                "services.intake.domain.complaint:receive": 0.3}
    assert found.lines()[0].strip().startswith("10 samples")


def test_no_samples_say_so() -> None:
    assert summarise("").lines() == ["    (no samples: the process did not run while it was recorded)"]
