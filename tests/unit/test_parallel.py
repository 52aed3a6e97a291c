"""`generator.parallel`: a part of a run made in a forked child, with its result or its failure
brought back to the parent as if it had run there."""

from __future__ import annotations

import os
import threading
import time

import pytest

from generator.errors import GeneratorBug, SpecError, SpecErrors
from generator.parallel import ChildTraceback, beside, can_fork


@pytest.fixture
def forks(monkeypatch) -> None:
    """A process that may fork: the suite's own threads (servers, event loops) and a one-core
    machine would otherwise send every part through the in-process path these tests are not about."""
    if not hasattr(os, "fork"):
        pytest.skip("no os.fork on this platform")
    monkeypatch.delenv("CAPGEN_SERIAL", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert can_fork()


def failing_part() -> None:
    raise ValueError("the part failed")


@pytest.mark.usefixtures("forks")
def test_a_part_runs_in_another_process_and_returns_its_result() -> None:
    with beside(lambda: (os.getpid(), {"docs/a.md": "text"})) as part:
        pid, files = part.result()
    assert pid != os.getpid() and files == {"docs/a.md": "text"}


@pytest.mark.usefixtures("forks")
def test_a_failure_comes_back_with_its_type_and_the_childs_traceback() -> None:
    with pytest.raises(ValueError, match="the part failed") as raised, beside(failing_part) as part:
        part.result()
    assert isinstance(raised.value.__cause__, ChildTraceback)
    assert "failing_part" in str(raised.value.__cause__)


@pytest.mark.usefixtures("forks")
def test_spec_errors_come_back_whole() -> None:
    errors = [SpecError("specs/v2/items.yaml", 7, "unknown key", "structure"), SpecError("specs/v2/api.yaml", 2, "x")]

    def fail() -> None:
        raise SpecErrors(errors)

    with pytest.raises(SpecErrors) as raised, beside(fail) as part:
        part.result()
    assert raised.value.errors == sorted(errors)


@pytest.mark.usefixtures("forks")
def test_an_exception_that_cannot_be_pickled_comes_back_as_its_text() -> None:
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail() -> None:
        raise Local("odd failure")

    with pytest.raises(GeneratorBug, match="odd failure"), beside(fail) as part:
        part.result()


@pytest.mark.usefixtures("forks")
def test_a_child_that_dies_without_a_result_is_an_error() -> None:
    with pytest.raises(GeneratorBug, match="ended without a result"), beside(lambda: os._exit(3)) as part:
        part.result()


@pytest.mark.usefixtures("forks")
def test_leaving_the_block_early_stops_the_child() -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError), beside(lambda: time.sleep(30)) as part:
        pid = part._pid
        raise RuntimeError("the parent's own part failed")
    assert time.monotonic() - started < 5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_no_fork_with_another_thread_running_or_one_core(forks, monkeypatch) -> None:
    monkeypatch.undo()  # the real thread count
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        release.set()
        thread.join()
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not can_fork()


@pytest.mark.parametrize("serial", [True, False])
def test_a_part_not_worth_a_process_runs_here_first(monkeypatch, serial) -> None:
    """With CAPGEN_SERIAL=1, or when the caller says so: in this process, before the block, so a
    failure surfaces where the call would have raised it."""
    monkeypatch.setenv("CAPGEN_SERIAL", "1" if serial else "")
    fork = serial  # CAPGEN_SERIAL overrides a caller that asks for a process
    if serial:
        assert not can_fork()
    seen: list[int] = []
    with beside(lambda: seen.append(os.getpid()) or "done", fork=fork) as part:
        assert seen == [os.getpid()]
        assert part.result() == "done"
    with pytest.raises(ValueError, match="the part failed"), beside(failing_part, fork=fork):
        raise AssertionError("the block must not run")
