"""Run one part of a run in a forked child while this process does another.

A run has independent parts: the checks of the changed spec files beside the build and rendering,
and, once the IR is built, the docs beside the Python package and the bundles. On a machine with a
second core they take half the time side by side. A forked child
starts with everything already loaded (specs, IR, compiled templates) and sends its result back
pickled through a pipe. Where forking is impossible or unsafe (no `os.fork`, other threads
running, one core, or `CAPGEN_SERIAL=1` for a debugger) the part simply runs in this process,
first, as if it had been called there.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from .errors import GeneratorBug

T = TypeVar("T")


class ChildTraceback(Exception):
    """The traceback of an exception raised in the child, attached as the `__cause__` of the
    exception the parent re-raises, so a bug in the child still shows where it happened."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0])


def can_fork() -> bool:
    return (
        hasattr(os, "fork")
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1  # a fork copies only this thread: another's locks could stay held
        and os.environ.get("CAPGEN_SERIAL", "") in ("", "0")
    )


class Part(Generic[T]):
    """A part of the run started by `beside`; `result()` waits for it."""

    def __init__(self, work: Callable[[], T], fork: bool) -> None:
        self._value: T
        self._pid = 0
        self._pipe = -1
        if fork and can_fork():
            self._start(work)
        else:
            self._value = work()

    def _start(self, work: Callable[[], T]) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run, send the outcome, leave without running the parent's exit code
            os.close(read)
            try:
                outcome = _outcome(work)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(outcome)
            finally:
                os._exit(0)
        os.close(write)
        self._pid, self._pipe = pid, read

    def result(self) -> T:
        if self._pid == 0:  # it ran here
            return self._value
        with os.fdopen(self._pipe, "rb") as pipe:
            data = pipe.read()
        self._pipe = -1
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if not data:
            raise GeneratorBug(f"a generator process ended without a result (wait status {status})")
        value, child_traceback = pickle.loads(data)
        if child_traceback is not None:
            raise value from ChildTraceback(child_traceback)
        self._value = value
        return value

    def cancel(self) -> None:
        """Stop the child if it is still running (the parent failed first)."""
        if self._pid:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = 0
        if self._pipe >= 0:
            os.close(self._pipe)
            self._pipe = -1


def _outcome(work: Callable[[], T]) -> bytes:
    """`(result, None)` or `(exception, its traceback)`, pickled (a traceback itself cannot be)."""
    try:
        return pickle.dumps((work(), None), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        text = "".join(traceback.format_exception(exc))
        try:
            return pickle.dumps((exc, text), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that cannot be pickled: its text still can
            return pickle.dumps((GeneratorBug(text), text), protocol=pickle.HIGHEST_PROTOCOL)


@contextmanager
def beside(work: Callable[[], T], fork: bool = True) -> Iterator[Part[T]]:
    """`work` started beside the code in the `with` block, which collects it with `.result()`;
    leaving the block early (an exception) stops it. With `fork` False (not worth a process) or
    where forking is not possible, `work` runs here, before the block."""
    part = Part(work, fork)
    try:
        yield part
    finally:
        part.cancel()
