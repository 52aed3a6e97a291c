"""A version's `models.py`, made of one piece per class.

The models module is most of a version's Python (v2: 585 classes, 0.8 MB), and any schema edit
changes it. Rendered and formatted whole, it took ~0.08 s of every such edit. Here each enum and
model class is a piece kept by what it is rendered from, formatted on its own, and its import needs
are kept beside it: an edit renders and formats only the classes it changed, then the module is
joined again. ruff formats top-level statements independently and sets two blank lines between
them, so the formatted pieces join into exactly the text that formatting the whole module gives
(tests/unit/test_models_module.py checks the generated modules with `ruff format --check`).
"""

from __future__ import annotations

import json

from . import ir
from .errors import GeneratorBug
from .memo import Pieces
from .render import Renderer, field_annotation, field_declaration

_BETWEEN_CLASSES = "\n\n\n"  # what ruff puts between top-level classes


class ModelsModule:
    """Rendered in two steps around one formatting batch of the run: `sources` is what is left to
    format, `assemble` joins the formatted text.

    When most classes are new (a first run, a template change), the module is formatted whole, as
    one text, and cut into its classes afterwards: one large file formats several times faster than
    hundreds of small ones. Otherwise `sources` holds the header and each new class."""

    def __init__(self, renderer: Renderer, version: ir.Version, pieces: Pieces) -> None:
        self.pieces, self.version = pieces, version.name
        classes: list[tuple[str, ir.Enum | ir.Model]] = [("enum", e) for e in version.enums]
        classes += [("model", m) for m in version.models]
        prefix = renderer.digest
        self.digests = {node.name: Pieces.digest(f"{prefix} {node.digest}") for _, node in classes}
        new: dict[str, str] = {}  # class name -> its text, not formatted
        annotations: set[str] = set()
        uses_field = False
        for kind, node in classes:
            digest = self.digests[node.name]
            needs = pieces.find(f"{digest} needs")
            if needs is None or pieces.find(digest) is None:
                new[node.name] = renderer.render(f"python/version/{kind}.py.jinja", **{kind: node})
                needs = pieces.keep(f"{digest} needs", json.dumps(_needs(node)))
            class_annotations, class_uses_field = json.loads(needs)
            annotations.update(class_annotations)
            uses_field = uses_field or class_uses_field
        header = renderer.models_header(version, sorted(annotations), uses_field)
        self.whole = len(new) * 2 > len(classes)
        if self.whole:
            texts = [header, *(new.get(name) or self.pieces.find(digest) for name, digest in self.digests.items())]
            self.sources = {"module": _BETWEEN_CLASSES.join(text.rstrip("\n") for text in texts) + "\n"}
        else:
            self.sources = {"header": header, **{f"class {name}": text for name, text in new.items()}}

    def assemble(self, formatted: dict[str, str]) -> str:
        """The module, from the formatted `sources` and the pieces of the other classes."""
        if self.whole:
            module = formatted["module"]
            header, *classes = module.split(_BETWEEN_CLASSES + "class ")
            if len(classes) != len(self.digests):
                raise GeneratorBug(f"the models module of {self.version} did not cut into its classes")
            for digest, text in zip(self.digests.values(), classes, strict=True):
                self.pieces.keep(digest, "class " + text.rstrip("\n") + "\n")
            return module
        for part, text in formatted.items():
            if part != "header":
                self.pieces.keep(self.digests[part.removeprefix("class ")], text)
        parts = [formatted["header"], *(self.pieces.find(digest) for digest in self.digests.values())]
        return _BETWEEN_CLASSES.join(part.rstrip("\n") for part in parts) + "\n"


def _needs(node: ir.Enum | ir.Model) -> tuple[list[str], bool]:
    """What a class asks of the module's imports: its annotations, and whether it uses `Field`."""
    if isinstance(node, ir.Enum):
        return ["enum.Enum"], False
    return sorted({field_annotation(f) for f in node.fields}), any(
        "Field(" in field_declaration(f) for f in node.fields
    )
