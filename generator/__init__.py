"""capgen: turns the curated OpenAPI specs in `specs/` into the Python client, docs and bundles."""
