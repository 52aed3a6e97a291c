"""Format generated Python with ruff's formatter (black's style), caching results by the unformatted text.

Formatting runs in batches: one `ruff format` process formats every text that is not in the cache,
in parallel, because starting the formatter costs more than formatting a module. Regeneration
mostly re-renders unchanged text; the cache turns its formatting into a file read.

Docs samples are formatted the same way: `later()` hands out a placeholder while the docs model is
built, and `flush()` formats everything pending in one run before the templates read it.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from pathlib import Path

from ruff.__main__ import find_ruff_bin

from .errors import GeneratorBug
from .memo import installed_versions
from .write import write_atomic

LINE_LENGTH = 100
TARGET_VERSION = "py311"
# --isolated: no pyproject.toml or ruff.toml near the output may change how generated code looks.
_RUFF_ARGS = ("format", "--isolated", f"--line-length={LINE_LENGTH}", f"--target-version={TARGET_VERSION}")
_KEY_PREFIX = f"ruff-{installed_versions(('ruff',))['ruff']}-{LINE_LENGTH}-{TARGET_VERSION}\n".encode()
# ruff names the file it could not parse: "error: Failed to parse 0003.py:12:5: ...".
_PARSE_ERROR = re.compile(r"(\d+)\.py:(\d+:\d+: .*)")


class Pending:
    """Formatted text that will exist after the next `Formatter.flush()`."""

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = source
        self.text: str | None = None

    def __str__(self) -> str:
        if self.text is None:
            raise GeneratorBug(f"{self.name} was read before Formatter.flush()")
        return self.text


class Formatter:
    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir
        self._pending: list[Pending] = []

    def format_all(self, sources: dict[str, str]) -> dict[str, str]:
        """Each source formatted, by name; raises GeneratorBug naming a source that is not Python."""
        results: dict[str, str] = {}
        missing: dict[str, str] = {}
        keys = {name: hashlib.sha256(_KEY_PREFIX + source.encode()).hexdigest() for name, source in sources.items()}
        for name, source in sources.items():
            cached = self._cached(keys[name])
            if cached is not None and cached.is_file():
                results[name] = cached.read_text(encoding="utf-8")
            else:
                missing[name] = source
        if missing:
            formatted = _run_ruff(missing)
            for name, text in formatted.items():
                self._store(keys[name], text)
            results.update(formatted)
        return {name: results[name] for name in sources}

    def later(self, name: str, source: str) -> Pending:
        pending = Pending(name, source)
        self._pending.append(pending)
        return pending

    def flush(self) -> None:
        """Format everything handed out by `later()` since the last flush, in one batch."""
        batch, self._pending = self._pending, []
        keys = [f"{item.name} (#{index})" for index, item in enumerate(batch)]  # names may repeat
        formatted = self.format_all({key: item.source for key, item in zip(keys, batch, strict=True)})
        for key, item in zip(keys, batch, strict=True):
            item.text = formatted[key]

    def _cached(self, key: str) -> Path | None:
        return self.cache_dir / key[:2] / key if self.cache_dir else None

    def _store(self, key: str, text: str) -> None:
        cached = self._cached(key)
        if cached is not None:
            write_atomic(cached, text.encode("utf-8"))


def _run_ruff(sources: dict[str, str]) -> dict[str, str]:
    names = list(sources)
    with tempfile.TemporaryDirectory(prefix="capgen-format-") as folder:
        paths = [Path(folder) / f"{index:04d}.py" for index in range(len(names))]
        for path, name in zip(paths, names, strict=True):
            path.write_text(sources[name], encoding="utf-8")
        run = subprocess.run([find_ruff_bin(), *_RUFF_ARGS, folder], capture_output=True, text=True, check=False)
        if run.returncode != 0:
            found = _PARSE_ERROR.search(run.stderr)
            if found is None:
                raise GeneratorBug(f"ruff format failed: {run.stderr.strip()}")
            raise GeneratorBug(
                f"generated {names[int(found.group(1))]} is not valid Python ({found.group(2)}); fix its template"
            )
        return {name: path.read_text(encoding="utf-8") for path, name in zip(paths, names, strict=True)}
