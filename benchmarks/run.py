"""Performance harness (`make bench`). Not a test: it prints figures and always exits 0.

Every figure is the median of repeated runs and is printed with its ratio against a baseline
measured in the same run, so the ratios stay comparable across machines:

- cold generation (empty caches, fresh process) vs openapi-python-client on the same bundled specs,
  installed by this harness in its own virtualenv (benchmarks/.venv-opc);
- warm regeneration after changing one resource file, and with nothing changed;
- `import capillary` vs importing httpx + pydantic, each in a fresh interpreter;
- per-call overhead of the generated client vs plain httpx + json over the same in-process transport;
- parsing and dumping a large v2 customer-details response vs json.loads / json.dumps.

Options: `--quick` (fewer repeats), `--skip-baseline` (no openapi-python-client: no network needed),
`--only SECTION[,SECTION]` (run only some of: generation, import, calls, models).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GENERATED = REPO / "generated"
OPC_VENV = REPO / "benchmarks" / ".venv-opc"
OPC_VERSION = "0.29.1"
# openapi-python-client refuses enums whose values collide once upper-cased (CARDNUMBER/cardNumber);
# literal enums are its documented way around that.
OPC_CONFIG = "literal_enums: true\n"
TARGETS = {
    "cold generation": "<= 0.5x openapi-python-client",
    "no-op regeneration": "< 0.3 s",
    "one-file change": "< 1 s",
    "import capillary": "<= 1.25x httpx + pydantic",
    "per call": "<= 1.5x plain httpx",
}


# --- measuring ---------------------------------------------------------------------------------


def median_seconds(action: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None) -> float:
    samples = []
    for _ in range(repeat):
        if setup:
            setup()
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _unit(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:8.2f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.1f} ms"
    return f"{seconds * 1e6:8.1f} us"


def report(name: str, ours: float, baseline_name: str, baseline: float, target: str | None = None) -> None:
    goal = f"   target {target}" if target else ""
    print(
        f"  {name:<38} {_unit(ours)}   vs {baseline_name:<34} {_unit(baseline)}   ratio {ours / baseline:6.2f}x{goal}"
    )


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(c) for c in command], cwd=cwd, env=env, check=True, capture_output=True)


# --- generation --------------------------------------------------------------------------------


def copy_project(into: Path) -> Path:
    """A fresh project with the repository's specs (and capgen's templates): no cache, no output."""
    project = into / "project"
    shutil.copytree(REPO / "specs", project / "specs")
    return project


def reset(project: Path) -> None:
    for folder in ("generated", ".capgen-cache"):
        shutil.rmtree(project / folder, ignore_errors=True)


def opc_executable() -> Path | None:
    executable = OPC_VENV / "bin" / "openapi-python-client"
    if not executable.exists():
        print(f"  installing openapi-python-client {OPC_VERSION} into {OPC_VENV.relative_to(REPO)} ...")
        try:
            run(sys.executable, "-m", "venv", OPC_VENV)
            run(OPC_VENV / "bin" / "python", "-m", "pip", "install", "--quiet", f"openapi-python-client=={OPC_VERSION}")
        except subprocess.CalledProcessError as exc:
            print(f"  could not install openapi-python-client: {exc.stderr.decode(errors='replace')[-300:]}")
            return None
    return executable


def run_opc(executable: Path, bundles: list[Path], out: Path, config: Path) -> list[str]:
    """openapi-python-client on every bundled spec; returns the ones it failed on."""
    failed = []
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for bundle in bundles:
        done = subprocess.run(
            [executable, "generate", "--path", bundle, "--config", config, "--output-path", out / bundle.stem],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            failed.append(bundle.stem)
    return failed


PYTHON_ONLY = """
import sys
from pathlib import Path
from generator.format import Formatter
from generator.outputs import python_package
from generator.pipeline import build
from generator.project import Project
from generator.render import Renderer
project = Project.at(Path(sys.argv[1]))
spec_set, api = build(project)
python_package(Renderer(project.templates_dir), Formatter(project.cache_dir), api)
"""


def bench_generation(repeat: int, with_baseline: bool) -> None:
    print("Generation (fresh process each time; all versions and services)")
    with tempfile.TemporaryDirectory(prefix="capgen-bench-") as folder:
        project = copy_project(Path(folder))
        capgen = BIN / "capgen"
        cold = median_seconds(lambda: run(capgen, "--root", project, "generate"), repeat, lambda: reset(project))
        python_only = median_seconds(
            lambda: run(sys.executable, "-c", PYTHON_ONLY, project, cwd=REPO), repeat, lambda: reset(project)
        )
        run(capgen, "--root", project, "generate")
        files = sum(1 for p in (project / "generated").rglob("*") if p.is_file())

        if with_baseline and (opc := opc_executable()):
            config = Path(folder) / "opc.yaml"
            config.write_text(OPC_CONFIG)
            bundles = sorted((project / "generated" / "openapi").glob("*.yaml"))
            failed: list[str] = []
            opc_time = median_seconds(
                lambda: failed.extend(run_opc(opc, bundles, Path(folder) / "opc", config)), max(1, repeat - 1)
            )
            if failed:
                print(f"  (openapi-python-client failed on: {', '.join(sorted(set(failed)))})")
            report(
                "cold generation, all targets",
                cold,
                f"openapi-python-client, {len(bundles)} specs",
                opc_time,
                TARGETS["cold generation"],
            )
            report(
                "cold generation, Python only", python_only, f"openapi-python-client, {len(bundles)} specs", opc_time
            )
        else:
            report("cold generation, Python only", python_only, "cold generation, all targets", cold)
        print(f"  ({files} files generated)")

        # Warm: one resource file changed (to a text never generated before, so the run cache cannot
        # answer), and nothing changed. Two kinds of edit: reworded prose (what curating specs mostly
        # is), and a new schema property (the file and those that refer to it are checked again).
        resource = project / "specs" / "v2" / "customers.yaml"
        original = resource.read_text()

        def reword() -> None:
            resource.write_text(original.replace("Fetch customer ID", f"Fetch customer ID ({time.time_ns()})", 1))

        def add_property() -> None:
            field = f"        benchField{time.time_ns()}:\n          type: string\n          description: A field.\n"
            anchor = "      required: [identifiers, source]\n      properties:\n"
            resource.write_text(original.replace(anchor, anchor + field, 1))

        # Three times the samples: a changed run is short and this shared machine's speed wanders by
        # a third within minutes, so a median of three moved with whichever run was slow.
        edits = {"reworded": reword, "new property": add_property}
        one_file = {
            kind: median_seconds(lambda: run(capgen, "--root", project, "generate"), repeat * 3, edit)
            for kind, edit in edits.items()
        }
        resource.write_text(original)
        run(capgen, "--root", project, "generate")
        noop = median_seconds(lambda: run(capgen, "--root", project, "check"), repeat * 2)
        noop_generate = median_seconds(lambda: run(capgen, "--root", project, "generate"), repeat * 2)
        for kind, seconds in one_file.items():
            report(
                f"one-file change (v2/customers.yaml, {kind})",
                seconds,
                "cold generation, all targets",
                cold,
                TARGETS["one-file change"],
            )
        report("no-op `capgen check`", noop, "cold generation, all targets", cold, TARGETS["no-op regeneration"])
        report("no-op `capgen generate`", noop_generate, "cold generation, all targets", cold)


# --- the generated client ----------------------------------------------------------------------


def bench_import(repeat: int) -> None:
    print("Import time (fresh interpreter; median)")

    def import_time(statement: str) -> float:
        code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
        env = {"PYTHONPATH": str(GENERATED / "python"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        return float(
            subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
        )

    # Warm the bytecode caches first: a first import compiles, which no later process start pays.
    import_time("import capillary")
    ours = statistics.median(import_time("import capillary") for _ in range(repeat))
    deps = statistics.median(import_time("import httpx, pydantic") for _ in range(repeat))
    first_use = statistics.median(
        import_time(
            "import capillary; c = capillary.Capillary(base_url='https://x.example', till='t', "
            "password='p'); c.v2.customers"
        )
        for _ in range(repeat)
    )
    report("import capillary", ours, "import httpx + pydantic", deps, TARGETS["import capillary"])
    # What bounds it: defining any pydantic model loads pydantic's model machinery and plugin loader,
    # which `import pydantic` alone defers. The client defines its base model and token models.
    with_model = statistics.median(
        import_time("import httpx, pydantic; exec('class M(pydantic.BaseModel):\\n x: int = 0')") for _ in range(repeat)
    )
    report("import capillary", ours, "httpx + pydantic + one BaseModel", with_model)
    report("import + first use of v2 customers", first_use, "import httpx + pydantic", deps)


def bundled_example(version: str, path: str, method: str = "get") -> Any:
    document = yaml.load((GENERATED / "openapi" / f"{version}.yaml").read_text(), Loader=yaml.CSafeLoader)
    content = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    return content.get("example") or next(iter(content["examples"].values()))["value"]


def bench_calls(repeat: int) -> None:
    sys.path.insert(0, str(GENERATED / "python"))
    print("Per-call overhead (in-process transport answering a fixed response; median per call)")
    cases = {
        "v2 customer lookup": (
            bundled_example("v2", "/v2/customers/lookup"),
            lambda c: c.v2.customers.lookup(
                source="INSTORE", identifier_name="mobile", identifier_value="919000000001"
            ),
            (
                "/v2/customers/lookup/customerDetails",
                {"source": "INSTORE", "identifierName": "mobile", "identifierValue": "919000000001"},
            ),
        ),
        "v1.1 customer get": (
            bundled_example("v1.1", "/v1.1/customer/get"),
            lambda c: c.v1_1.customers.get(mobile="919000000001"),
            ("/v1.1/customer/get", {"mobile": "919000000001", "format": "json"}),
        ),
    }
    for name, (example, call, (path, params)) in cases.items():
        bench_call(name, json.dumps(example).encode(), call, path, params, repeat)


def bench_call(name: str, body: bytes, call: Callable[[Any], Any], path: str, params: dict, repeat: int) -> None:
    """One operation through the generated client and as the plain httpx request, sync and async."""
    import capillary
    import httpx

    base, calls = "https://eu.api.capillarytech.com", 300
    headers = {"Authorization": "Basic dDpw", "Accept": "application/json"}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    transport = httpx.MockTransport(answer)
    plain_client = httpx.Client(transport=transport, base_url=base)
    our_client = capillary.Capillary(
        base_url=base, till="t", password="p", http_client=httpx.Client(transport=transport)
    )

    def plain_sync() -> None:
        for _ in range(calls):
            json.loads(plain_client.get(path, params=params, headers=headers).raise_for_status().content)

    def ours_sync() -> None:
        for _ in range(calls):
            call(our_client)

    async def plain_async() -> None:
        async with httpx.AsyncClient(transport=transport, base_url=base) as client:
            for _ in range(calls):
                json.loads((await client.get(path, params=params, headers=headers)).raise_for_status().content)

    async def ours_async() -> None:
        async with capillary.AsyncCapillary(
            base_url=base, till="t", password="p", http_client=httpx.AsyncClient(transport=transport)
        ) as client:
            for _ in range(calls):
                await call(client)

    ours_sync()  # first use loads the resource and model modules
    report(
        f"{name}, sync",
        median_seconds(ours_sync, repeat) / calls,
        "httpx.Client.get + json.loads",
        median_seconds(plain_sync, repeat) / calls,
        TARGETS["per call"],
    )
    report(
        f"{name}, async",
        median_seconds(lambda: asyncio.run(ours_async()), repeat) / calls,
        "httpx.AsyncClient.get + json.loads",
        median_seconds(lambda: asyncio.run(plain_async()), repeat) / calls,
        TARGETS["per call"],
    )


def enlarge(value: Any, factor: int) -> Any:
    """The example with every list of objects repeated `factor` times (ids varied)."""
    if isinstance(value, dict):
        return {key: enlarge(item, factor) for key, item in value.items()}
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        grown = []
        for copy_number in range(factor):
            for item in value:
                clone = enlarge(copy.deepcopy(item), factor if copy_number == 0 else 1)
                if isinstance(clone.get("id"), int):
                    clone["id"] += copy_number
                grown.append(clone)
        return grown
    return value


def bench_models(repeat: int) -> None:
    sys.path.insert(0, str(GENERATED / "python"))
    from capillary._model import RESPONSE_CONTEXT, response_validator
    from capillary.v2 import models

    print("Model throughput (a large v2 customer-details response)")
    example = bundled_example("v2", "/v2/customers/{customerId}")
    factor = 10
    while len(raw := json.dumps(big := enlarge(example, factor)).encode()) < 1_000_000:  # about 1 MB
        factor *= 2
    validator = response_validator(models.Customer)  # what the client parses a response body with
    parsed = validator.validate_json(raw, context=RESPONSE_CONTEXT)
    size = f"{len(raw) / 1e6:.2f} MB"
    parse = median_seconds(lambda: validator.validate_json(raw, context=RESPONSE_CONTEXT), repeat)
    loads = median_seconds(lambda: json.loads(raw), repeat)
    dump = median_seconds(lambda: parsed.model_dump_json(by_alias=True, exclude_none=True), repeat)
    dumps = median_seconds(lambda: json.dumps(big), repeat)
    report(f"parse {size} (as the client does)", parse, "json.loads", loads)
    report(f"dump {size} (model_dump_json)", dump, "json.dumps", dumps)
    print(f"  ({len(raw) / parse / 1e6:.1f} MB/s parsed, {len(raw) / dump / 1e6:.1f} MB/s dumped)")


SECTIONS = ("generation", "import", "calls", "models")


def _sections(text: str) -> tuple[str, ...]:
    """`--only import,calls` -> ("import", "calls"); an unknown name is a usage error."""
    chosen = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {', '.join(unknown) or text!r}; choose from {', '.join(SECTIONS)}"
        )
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--skip-baseline", action="store_true", help="do not install or run openapi-python-client")
    parser.add_argument(
        "--only",
        type=_sections,
        default=SECTIONS,
        metavar="SECTION[,SECTION]",
        help=f"run only these sections (of {', '.join(SECTIONS)})",
    )
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    print(
        f"capgen benchmarks: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" {platform.system()} {platform.release()}"
    )
    if "generation" in args.only:
        bench_generation(max(2, repeat - 2), with_baseline=not args.skip_baseline)
    if "import" in args.only:
        bench_import(repeat * 3)
    if "calls" in args.only:
        bench_calls(repeat)
    if "models" in args.only:
        bench_models(repeat)


if __name__ == "__main__":
    main()
