"""A schema-driven fuzz of the whole JSON API: schemathesis generates valid and invalid requests
from /api/openapi.json and sends them, logged in, to the real server; none may get a 5xx, and
every answer must be one the document declares.

Bounded by examples, not time: FUZZ_EXAMPLES per operation and mode (set JASETTE_FUZZ_EXAMPLES
for a longer run, see CONTRIBUTING.md). Derandomised, so a failure repeats.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from web_app import PASSWORD, LiveServer, csrf_of, ingest, seed

from web.openapi import document

# In the test extras (pyproject.toml), so CI always runs it; an older checkout's environment skips.
schemathesis = pytest.importorskip("schemathesis", reason='pip install -e ".[test]" brings schemathesis')
import requests  # noqa: E402 - schemathesis brings requests and hypothesis
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# No 5xx, and the document tells the truth: every status, content type and body is declared.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_EXAMPLES = int(os.environ.get("JASETTE_FUZZ_EXAMPLES", "40"))


def _log_in(url: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=10)
    done = session.post(f"{url}/login", data={"email": "owner@a.test", "password": PASSWORD, "csrf": csrf_of(page.text)},
                        allow_redirects=False, timeout=10)
    assert done.status_code == 303, done.text
    return session, csrf_of(session.get(f"{url}/", timeout=10).text)


async def test_no_api_operation_answers_a_5xx_to_generated_requests(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        items = [await ingest(conn, ids["brand_a"], ids["account_a"], f"Commentaire {n}") for n in range(3)]
    schema = schemathesis.openapi.from_dict(document())
    failures: list[str] = []
    with LiveServer(db_dsn) as server:
        session, csrf = _log_in(server.url)
        for found in schema.get_all_operations():
            operation = found.ok()
            # A third of the cases on a real item, so bodies reach the queries rather than a 404.
            real = {"item": items[0]} if "{item}" in operation.path else None
            cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real),
                              operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

            @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=cases)
            def run(case: Any) -> None:
                try:
                    case.call_and_validate(base_url=server.url, session=session, headers={"X-CSRF-Token": csrf},
                                           checks=CHECKS, timeout=30)
                except AssertionError as failed:  # schemathesis' failures are AssertionErrors
                    failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200}: {failed}")

            run()
    assert not failures, "\n".join(failures)
