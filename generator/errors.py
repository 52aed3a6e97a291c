"""The one error type of the generator: a problem at a place in a spec file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class SpecError:
    """A problem found in a spec, reported as `file:line: message`."""

    file: str
    line: int
    message: str
    rule: str = "spec"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class SpecErrors(Exception):
    """Raised with every problem of a run, so the CLI can print them all at once."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))

    def __reduce__(self) -> tuple:
        # Rebuilt from its errors, not its message (a run's parts may fail in another process).
        return SpecErrors, (self.errors,)


class GeneratorBug(Exception):
    """A template failed or produced invalid output: a bug in capgen's templates, not in the specs."""


def display_path(path: Path | str, root: Path | None = None) -> str:
    """Path as shown in messages: relative to `root` (or the working folder) when below it."""
    path = Path(path)
    for base in (root, Path.cwd()):
        if base is not None:
            try:
                return str(path.resolve().relative_to(base.resolve()))
            except ValueError:
                pass
    return str(path)
