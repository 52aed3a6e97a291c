"""The formatter: ruff's black-style output, one process per batch, cached by the unformatted text."""

from __future__ import annotations

import pytest

from generator import format as formatting
from generator.errors import GeneratorBug
from generator.format import Formatter


def test_formats_a_batch_and_caches_each_text(tmp_path, monkeypatch) -> None:
    runs: list[int] = []
    real_run = formatting._run_ruff

    def counting_run(sources: dict[str, str]) -> dict[str, str]:
        runs.append(len(sources))
        return real_run(sources)

    monkeypatch.setattr(formatting, "_run_ruff", counting_run)
    formatter = Formatter(tmp_path / "cache")
    sources = {"a.py": "x = [1,2,\n 3]\n", "b.py": "def f( a ):\n  return a\n"}
    assert formatter.format_all(sources) == {"a.py": "x = [1, 2, 3]\n", "b.py": "def f(a):\n    return a\n"}
    assert runs == [2]  # one process for the whole batch
    again = Formatter(tmp_path / "cache").format_all({**sources, "c.py": "y=1\n"})
    assert again["c.py"] == "y = 1\n" and runs == [2, 1]  # only the new text is formatted


def test_docs_samples_are_formatted_when_flushed() -> None:
    formatter = Formatter(None)
    first, second = formatter.later("sample", "print( 1 )\n"), formatter.later("sample", "print( 2 )\n")
    with pytest.raises(GeneratorBug, match="before Formatter.flush"):
        str(first)
    formatter.flush()
    assert (str(first), str(second)) == ("print(1)\n", "print(2)\n")


def test_invalid_python_names_the_generated_file() -> None:
    with pytest.raises(GeneratorBug, match=r"generated v2/bad\.py is not valid Python \(2:\d+: .*\); fix its template"):
        Formatter(None).format_all({"v2/good.py": "x = 1\n", "v2/bad.py": "y = 2\ndef broken(:\n"})
