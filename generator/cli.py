"""`capgen` command line: validate, generate, check, coverage, diff.

Commands import the pipeline when they run: `capgen check` with nothing changed is answered from the
run cache and must not pay for loading the validator, Jinja and the templates.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path

import click

from . import runcache
from .errors import GeneratorBug, SpecErrors
from .project import Project


def _default_root() -> Path:
    """The working folder when it holds specs/, else the repository this generator lives in."""
    cwd = Path.cwd()
    return cwd if (cwd / "specs").is_dir() else Path(__file__).resolve().parent.parent


def _fail(exc: Exception, output_format: str = "text") -> None:
    if isinstance(exc, SpecErrors):
        if output_format == "json":
            click.echo(
                json.dumps(
                    [{"file": e.file, "line": e.line, "rule": e.rule, "message": e.message} for e in exc.errors],
                    indent=2,
                )
            )
        else:
            for error in exc.errors:
                click.echo(str(error), err=True)
            click.echo(f"{len(exc.errors)} problem(s) found; generated/ was not changed.", err=True)
    else:
        click.echo(f"capgen: {exc}", err=True)
    sys.exit(1)


@click.group()
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project folder holding specs/, templates/ and generated/ (default: auto-detected).",
)
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """Generate the Capillary client, docs and bundled specs from specs/."""
    ctx.obj = Project.at((root or _default_root()).resolve())
    # A command builds large trees (parsed specs, IR) and keeps them to the end. The cyclic collector
    # would walk them again and again as they grow, ~10% of a run, to free a few MB of cycles that
    # the process gives back on exit anyway.
    if gc.isenabled():
        gc.disable()
        ctx.call_on_close(gc.enable)


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def validate(project: Project, output_format: str) -> None:
    """Check every spec file: YAML, $refs, OpenAPI structure, the project's lint rules and naming."""
    from .bundle import bundle_version
    from .pipeline import build

    try:
        spec_set, api = build(project)
        for version in api.versions:  # component names must also be unique per version
            bundle_version(spec_set, version.name)
    except SpecErrors as exc:
        _fail(exc, output_format)
    if output_format == "json":
        click.echo("[]")
    else:
        click.echo(f"{len(spec_set.files)} spec files are valid.")


@main.command(name="generate")
@click.pass_obj
def generate_command(project: Project) -> None:
    """Regenerate generated/ from specs/ and templates/ (only changed files are written)."""
    started = time.perf_counter()
    try:
        result = runcache.generate(project, write=True)
    except (SpecErrors, GeneratorBug) as exc:
        _fail(exc)
    except OSError as exc:  # writing failed; apply() has put generated/ back as it was
        _fail(OSError(f"{exc}; generated/ was not changed"))
    for name in result.stale:
        click.echo(f"  {'removed' if name in result.removed else 'wrote'} generated/{name}")
    click.echo(f"{len(result.files)} files, {len(result.stale)} changed, in {time.perf_counter() - started:.2f}s.")


@main.command()
@click.option(
    "--inventory",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Documented operations (TSV); default tests/data/capillary-inventory.tsv.",
)
@click.option(
    "--exclusions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Excluded and pending operations (YAML); default tests/data/coverage-exclusions.yaml.",
)
@click.option("--missing", "show_missing", is_flag=True, help="Also list every missing operation.")
@click.pass_obj
def coverage(project: Project, inventory: Path | None, exclusions: Path | None, show_missing: bool) -> None:
    """Table of documented operations per version and resource: specified, excluded, pending, missing."""
    from .coverage import EXCLUSIONS, INVENTORY, assess, load_exclusions, read_inventory, table
    from .pipeline import build

    try:
        _, api = build(project)
    except SpecErrors as exc:
        _fail(exc)
    rows = read_inventory(inventory or project.root / INVENTORY)
    outcomes = assess(api, rows, load_exclusions(exclusions or project.root / EXCLUSIONS))
    click.echo(table(outcomes))
    missing = [o for o in outcomes if o.state == "missing"]
    if show_missing:
        for outcome in missing:
            row = outcome.row
            click.echo(f"missing: {row.group} {row.resource}: {row.method} {row.path} ({row.title}) {row.source}")
    if missing:
        click.echo(f"{len(missing)} documented operation(s) are neither specified nor excluded.", err=True)
        sys.exit(1)


@main.command(name="diff")
@click.argument("ref")
@click.option("--allow-breaking", is_flag=True, help="Exit 0 even when there are breaking changes.")
@click.pass_obj
def diff_command(project: Project, ref: str, allow_breaking: bool) -> None:
    """Changes of the API since git REF (its bundled specs vs the working tree's specs), as Markdown."""
    from .bundle import bundle_version
    from .diff import bundles_at, diff_documents, markdown
    from .pipeline import build

    try:
        spec_set, api = build(project)
        old = bundles_at(project.root, ref)
    except (SpecErrors, ValueError) as exc:
        _fail(exc)
    new = {version.name: bundle_version(spec_set, version.name) for version in api.versions}
    changes = [
        c for name in sorted(old.keys() | new.keys()) for c in diff_documents(old.get(name), new.get(name), name)
    ]
    click.echo(markdown(changes, ref))
    if any(c.breaking for c in changes) and not allow_breaking:
        sys.exit(1)


@main.command()
@click.pass_obj
def check(project: Project) -> None:
    """Regenerate in memory; fail with the list of stale files if generated/ differs."""
    try:
        result = runcache.generate(project, write=False)
    except (SpecErrors, GeneratorBug) as exc:
        _fail(exc)
    if result.stale:
        for name in result.stale:
            state = "missing" if name in result.added else "extra" if name in result.removed else "stale"
            click.echo(f"{state}: generated/{name}", err=True)
        click.echo(f"{len(result.stale)} file(s) out of date: run `make generate`.", err=True)
        sys.exit(1)
    click.echo(f"generated/ is up to date ({len(result.files)} files).")


def run() -> None:
    """The `capgen` console script: `main`, then exit without tearing the interpreter down.

    A run ends holding the parsed specs and the IR; freeing them object by object and collecting
    the cycles at shutdown took ~25 ms of a ~0.7 s regeneration, for memory the OS takes back at
    once. Every file a command writes is closed (and renamed into place) before it returns, so only
    the standard streams need flushing.
    """
    try:
        main()
        code = 0
    except SystemExit as exc:  # click ends every run this way
        code = 0 if exc.code is None else exc.code
        if not isinstance(code, int):  # a message instead of a status, as `sys.exit` treats it
            print(code, file=sys.stderr)
            code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
