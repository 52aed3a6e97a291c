"""Format generated Python with black, caching results by the unformatted text.

Regeneration mostly re-renders unchanged modules; the cache turns their formatting into a file read.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import black

from .errors import GeneratorBug

MODE = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})
_KEY_PREFIX = f"black-{black.__version__}-{MODE.line_length}-py311\n".encode()


class Formatter:
    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir

    def format(self, name: str, source: str) -> str:
        key = hashlib.sha256(_KEY_PREFIX + source.encode()).hexdigest()
        cached = self.cache_dir / key[:2] / key if self.cache_dir else None
        if cached is not None and cached.is_file():
            return cached.read_text(encoding="utf-8")
        try:
            result = black.format_str(source, mode=MODE)
        except black.InvalidInput as exc:
            raise GeneratorBug(f"generated {name} is not valid Python ({exc}); fix its template") from None
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            temp = cached.with_suffix(f".{os.getpid()}.tmp")
            temp.write_text(result, encoding="utf-8")
            os.replace(temp, cached)
        return result
