"""The OAuth token-generate call and the models of its answer.

Apart from `_auth` because these are pydantic models: defining the first model loads pydantic's model
machinery (~40 ms). `OAuth.operation` imports this module with the first token refresh, so that
`import capillary` defines no model.
"""

from __future__ import annotations

from typing import Final

from pydantic import Field

from ._auth import TOKEN_OPERATION_ID
from ._model import CapillaryModel
from ._operation import Operation

__all__ = ["TOKEN_OPERATION"]


class _TokenData(CapillaryModel):
    access_token: str | None = Field(default=None, alias="accessToken")
    ttl_seconds: float | None = Field(default=None, alias="ttlSeconds")

    def __repr_args__(self):  # type: ignore[no-untyped-def]
        return [("access_token", "**********"), ("ttl_seconds", self.ttl_seconds)]


class _TokenResponse(CapillaryModel):
    data: _TokenData | None = None
    errors: object = None


TOKEN_OPERATION: Final = Operation(
    operation_id=TOKEN_OPERATION_ID,
    method="POST",
    path="/v3/oauth/token/generate",
    api="v3",
    response=_TokenResponse,
    body=dict[str, str],
    body_required=True,
    auth=(),
    # Generating a second token does no harm, so any failure may be retried.
    idempotent=True,
)
