"""Code samples for the docs: curl commands and calls of the generated Python client.

Argument values come from the spec examples, so every sample sends a request the spec accepts;
the docs tests run every Python sample against a mock transport.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from .. import ir
from ..format import Formatter, Pending

SAMPLE_TILL = "store.server"
SAMPLE_PASSWORD = "server123"
TOKEN_PATH = "/v3/oauth/token/generate"
"""Where OAuth tokens come from, for every version (the client's runtime knows it too)."""
FALLBACK_BASE_URL = "https://api.example.com"
_IMPORT = "from capillary import Capillary"


@dataclass(frozen=True)
class Sample:
    lang: str
    """`shell`, `python` (the language tabs) or `json`, shown under every tab."""
    body: str | Pending
    """The code; a Python sample is formatted in one batch with the others (`Formatter.flush()`)."""
    caption: str = ""

    @property
    def code(self) -> str:
        return str(self.body)


@dataclass(frozen=True)
class BasicExample:
    """The Basic auth header, step by step, for the sample till."""

    till: str
    password: str
    digest: str
    credentials: str
    encoded: str

    @property
    def header(self) -> str:
        return f"Basic {self.encoded}"


def basic_example(till: str = SAMPLE_TILL, password: str = SAMPLE_PASSWORD) -> BasicExample:
    digest = hashlib.md5(password.encode("utf-8")).hexdigest()
    credentials = f"{till}:{digest}"
    return BasicExample(till, password, digest, credentials, base64.b64encode(credentials.encode()).decode("ascii"))


def json_text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _wire_text(value: Any) -> str:
    """A parameter value as it goes into a URL or header (as the client encodes it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_wire_text(item) for item in value)
    return str(value)


class SampleWriter:
    """Writes the samples of one version: its host, credentials and formatted Python."""

    def __init__(self, version: ir.Version, formatter: Formatter, crm_clusters: dict[str, str] | None = None) -> None:
        self.version = version
        self.formatter = formatter
        server = next(
            (s for s in version.servers if s.cluster == "eu"), version.servers[0] if version.servers else None
        )
        self.base_url = server.url if server else FALLBACK_BASE_URL
        # OAuth tokens always come from the CRM host of the cluster, also for a service's calls.
        self.token_base_url = (crm_clusters or {}).get(server.cluster, self.base_url) if server else self.base_url
        self.client_location = f"cluster={server.cluster!r}" if server else f"base_url={FALLBACK_BASE_URL!r}"
        self.basic = basic_example()

    # --- what a sample call passes ----------------------------------------------------------

    @staticmethod
    def arguments(op: ir.Operation) -> list[ir.Parameter]:
        """Required parameters; a call with none still needs something to look for, so then the
        first optional path or query parameter with an example joins in (`customer/get?mobile=`)."""
        chosen = [p for p in op.parameters if p.required]
        if not chosen and op.body is None:
            chosen = [p for p in op.parameters if p.location in ("path", "query") and p.example is not None][:1]
        return chosen

    @staticmethod
    def _value(param: ir.Parameter) -> Any:
        if param.example is not None:
            return param.example
        return param.enum_values[0] if param.enum_values else f"<{param.wire}>"

    def call(self, resource: ir.Resource, op: ir.Operation, *extra: str, prefix: str = "") -> str:
        """`client.v2.customers.lookup(source='INSTORE', ...)`, not yet formatted; `prefix` names a
        twin of the method (`iter_`)."""
        arguments = [f"{p.name}={self._value(p)!r}" for p in self.arguments(op)]
        if op.body is not None:
            arguments.append(f"body={self._body_expression(op.body)}")
        arguments += extra
        return f"client.{self.version.module}.{resource.module}.{prefix}{op.method_name}({', '.join(arguments)})"

    @staticmethod
    def _body_expression(body: ir.Body) -> str:
        """The body example as Python; a file field's example (a file name) becomes a `File`."""
        files = body.file_fields
        if not files or not isinstance(body.example, dict):
            return repr(body.example)
        items = [
            f"{key!r}: File(b'<bytes of the file>', filename={value!r})" if key in files else f"{key!r}: {value!r}"
            for key, value in body.example.items()
        ]
        return "{" + ", ".join(items) + "}"

    @staticmethod
    def imports(op: ir.Operation) -> str:
        return _IMPORT + (", File" if op.body is not None and op.body.multipart else "")

    # --- Python -----------------------------------------------------------------------------

    def constructor(self, auth: tuple[str, ...], cls: str = "Capillary", *extra: str) -> str:
        """`Capillary(cluster='eu', till=..., password=...)` with the credentials `auth` asks for."""
        arguments = [self.client_location]
        if "basic" in auth:
            arguments += [f"till={self.basic.till!r}", f"password={self.basic.password!r}"]
        elif "oauth" in auth:
            arguments += ["oauth_key='<client key>'", "oauth_secret='<client secret>'"]
        return f"{cls}({', '.join([*arguments, *extra])})"

    def client_line(self, auth: tuple[str, ...]) -> str:
        return f"client = {self.constructor(auth)}"

    def python(self, name: str, lines: list[str]) -> Sample:
        """A Python sample, formatted like the generated code (and so checked to be Python)."""
        return Sample("python", self.formatter.later(f"docs sample {name}", "\n".join(lines) + "\n"))

    def operation_python(self, resource: ir.Resource, op: ir.Operation) -> Sample:
        lines = [
            self.imports(op),
            "",
            self.client_line(op.auth),
            f"result = {self.call(resource, op)}",
            "print(result)",
        ]
        return self.python(f"{self.version.name} {resource.module}.{op.method_name}", lines)

    # --- curl -------------------------------------------------------------------------------

    def url(self, op: ir.Operation, parameters: list[ir.Parameter]) -> str:
        path = op.path
        for p in parameters:
            if p.location == "path":
                path = path.replace("{" + p.wire + "}", quote(_wire_text(self._value(p)), safe=""))
        query = urlencode(
            [
                (p.wire, _wire_text(item))
                for p in parameters
                if p.location == "query"
                for item in (self._value(p) if p.repeated and isinstance(self._value(p), list) else [self._value(p)])
            ]
        )
        return self.base_url + path + (f"?{query}" if query else "")

    def auth_options(self, auth: tuple[str, ...], header: str | None) -> list[tuple[str, str]]:
        if "basic" in auth:
            return [("-u", f"{self.basic.till}:{self.basic.digest}")]
        if "oauth" in auth and header:
            return [("-H", f"{header}: <access token>")]
        return []

    @staticmethod
    def curl(
        method: str, url: str, options: list[tuple[str, str]], body: Any = None, form: list[tuple[str, str]] = ()
    ) -> Sample:
        """`curl` with the URL on the first line and one option per line after it; `form` parts go
        as `-F` options (curl then sends multipart/form-data)."""
        head = ["curl"] + ([] if method == "GET" else ["-X", method]) + [url]
        options = [*options, ("-H", "Accept: application/json")]
        if form:
            options += [("-F", f"{name}={value}") for name, value in form]
        elif body is not None:
            # The body indented under its option (JSON does not mind the extra spaces).
            options += [("-H", "Content-Type: application/json"), ("-d", json_text(body).replace("\n", "\n  "))]
        lines = [" ".join(shlex.quote(word) for word in head)]
        lines += [f"{flag} {shlex.quote(value)}" for flag, value in options]
        return Sample("shell", " \\\n  ".join(lines) + "\n")

    def operation_curl(self, op: ir.Operation, token_header: str | None) -> Sample:
        parameters = self.arguments(op)
        options = self.auth_options(op.auth, token_header)
        options += [("-H", f"{p.wire}: {_wire_text(self._value(p))}") for p in parameters if p.location == "header"]
        body = op.body.example if op.body else None
        if op.body is not None and op.body.multipart and isinstance(body, dict):
            files = op.body.file_fields
            form = [(k, f"@{v}" if k in files else _wire_text(v)) for k, v in body.items()]
            return self.curl(op.http_method, self.url(op, parameters), options, form=form)
        return self.curl(op.http_method, self.url(op, parameters), options, body)

    # --- the general sections ---------------------------------------------------------------

    def basic_shell(self) -> Sample:
        """The Basic header computed step by step in a shell, with the results as comments."""
        basic = self.basic
        lines = [
            "# MD5 of the password, in lowercase hex",
            f"printf %s {shlex.quote(basic.password)} | md5sum",
            f"# {basic.digest}",
            "# till:digest, in Base64",
            f"printf %s {shlex.quote(basic.credentials)} | base64",
            f"# {basic.encoded}",
            "# The header; curl -u till:digest builds the same one:",
            f"# Authorization: {basic.header}",
        ]
        return Sample("shell", "\n".join(lines) + "\n")

    def token_curl(self) -> Sample:
        body = {"key": "<client key>", "secret": "<client secret>"}
        return self.curl("POST", self.token_base_url + TOKEN_PATH, [], body)

    def constructors(self, basic: bool, oauth: bool) -> Sample:
        lines = [_IMPORT, ""]
        if basic:
            lines += ["# Basic: the client sends base64(till:md5(password))", self.client_line(("basic",))]
        if oauth:
            lines += ["# OAuth: the client generates the token, caches it and renews it", self.client_line(("oauth",))]
        return self.python(f"{self.version.name} authentication", lines)

    def request_id(self, resource: ir.Resource, op: ir.Operation) -> Sample:
        lines = [
            _IMPORT,
            "",
            self.client_line(op.auth),
            f"result = {self.call(resource, op)}",
            "print(result.request_id)",
        ]
        return self.python(f"{self.version.name} request id", lines)

    def error_handling(self, resource: ir.Resource, op: ir.Operation) -> Sample:
        lines = [
            "from capillary import Capillary, errors",
            "",
            self.client_line(op.auth),
            "try:",
            f"    result = {self.call(resource, op)}",
            "except errors.APIStatusError as exc:",
            "    print(exc.status_code, exc.code, exc.message, exc.request_id)",
        ]
        return self.python(f"{self.version.name} errors", lines)

    # --- the package README -----------------------------------------------------------------

    def asynchronous(self, resource: ir.Resource, op: ir.Operation) -> Sample:
        lines = [
            "import asyncio",
            "",
            "from capillary import AsyncCapillary",
            "",
            "async def main() -> None:",
            f"    async with {self.constructor(op.auth, 'AsyncCapillary')} as client:",
            f"        result = await {self.call(resource, op)}",
            "        print(result.request_id)",
            "",
            "asyncio.run(main())",
        ]
        return self.python(f"{self.version.name} async", lines)

    def webhook_python(self, hook: ir.Webhook) -> Sample:
        """Parsing a received webhook body with the generated parser."""
        body = json.dumps(hook.payload.example if hook.payload.example is not None else {}, ensure_ascii=False)
        lines = [
            f"from capillary.{self.version.module} import {hook.function_name}",
            "",
            "# The raw body of the request your endpoint received:",
            f"body = {body.encode()!r}",
            f"event = {hook.function_name}(body)",
            "print(event)",
        ]
        return self.python(f"{self.version.name} webhook {hook.name}", lines)

    def pages(self, resource: ir.Resource, op: ir.Operation) -> Sample:
        """Walking every page of a paged list operation with its `iter_` twin."""
        call = self.call(resource, op, prefix="iter_")
        lines = [_IMPORT, "", self.client_line(op.auth), f"for item in {call}:", "    print(item)"]
        return self.python(f"{self.version.name} pages", lines)

    def retries(self, resource: ir.Resource, op: ir.Operation) -> Sample:
        policy = "max_retries=RetryPolicy(max_retries=4, backoff_cap=2.0)"
        options = 'request_options={"max_retries": 0, "timeout": 5.0}'
        lines = [
            "from capillary import Capillary, RetryPolicy",
            "",
            "# Up to 4 retries, waits of at most 2 s between them, 20 s timeout per attempt.",
            f"client = {self.constructor(op.auth, 'Capillary', policy, 'timeout=20.0')}",
            "# No retry for this one call, and a shorter timeout.",
            f"result = {self.call(resource, op, options)}",
        ]
        return self.python(f"{self.version.name} retries", lines)
