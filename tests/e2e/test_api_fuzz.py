"""schemathesis against the OpenAPI document of /api/v1: every operation with at least 50
generated valid and 50 generated invalid requests, checked for server errors, conformance of
every answer to the documented schema, and rejection of data the schema does not allow.

(schemathesis' own pytest plugin does not run on pytest 9 yet, so the strategies are driven with
hypothesis directly: same generation, same checks.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
)

from participatie.config import Settings
from participatie.domain.values import Role
from tests.e2e.conftest import Site, add_staff, make_site

CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection]
EXAMPLES = 50

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Any, dict[str, str]]]:
    site = make_site(
        Settings(var_dir=tmp_path_factory.mktemp("fuzz") / "var"),
        SUBMIT_RATE_LIMIT="100000 per minute",  # the fuzzer is one client sending thousands
        SUPPORT_RATE_LIMIT="100000 per minute",
    )
    add_staff(site, "fuzz.manager", Role.AREA_MANAGER, ["gebiedsteam-centrum"])
    add_staff(site, "fuzz.auditor", Role.AUDITOR, [])
    tokens = {
        "staff": site.container.staff.issue_token("fuzz.manager", "fuzz", 1),
        "audit": site.container.staff.issue_token("fuzz.auditor", "fuzz", 1),
    }
    try:
        yield site, schemathesis.openapi.from_wsgi("/api/v1/openapi.json", site.flask), tokens
    finally:
        site.container.close()


def operations(site_schema: Any) -> list[Any]:
    return [result.ok() for result in site_schema.get_all_operations()]


def test_the_document_has_every_operation(fuzzed: tuple[Site, Any, dict[str, str]]) -> None:
    _, api_schema, _ = fuzzed
    assert len(operations(api_schema)) >= 12


def runner(
    operation: Any, mode: GenerationMode, token: str, name: str, calls: dict[str, int]
) -> Any:
    """A hypothesis test of one operation: generated requests, each checked."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        calls[name] = calls.get(name, 0) + 1
        case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {token}"})

    return run


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_holds_up_against_generated_requests(
    fuzzed: tuple[Site, Any, dict[str, str]], mode: GenerationMode
) -> None:
    _, api_schema, tokens = fuzzed
    failures: dict[str, str] = {}
    calls: dict[str, int] = {}
    unsatisfiable: set[str] = set()
    for operation in operations(api_schema):
        token = tokens["audit"] if operation.path.startswith("/api/v1/audit") else tokens["staff"]
        name = f"{operation.method.upper()} {operation.path}"

        run = runner(operation, mode, token, name, calls)
        try:
            run()
        except Unsatisfiable:
            unsatisfiable.add(name)  # no invalid request exists: the operation takes no input
        except Exception as error:  # collect every operation's failure, then report them all
            failures[name] = f"{type(error).__name__}: {str(error)[:1500]}"
    assert failures == {}
    without_input = {
        f"{op.method.upper()} {op.path}"
        for op in operations(api_schema)
        if not op.definition.raw.get("parameters")
        and not op.definition.raw.get("requestBody")
        and not op.path_parameters
    }
    assert unsatisfiable <= without_input
    # Hypothesis stops early only when an operation has fewer distinct inputs than that.
    assert sum(calls.values()) >= EXAMPLES * len(calls) // 2
