"""The CI's dependency audit: a known vulnerability fails the run; no network does not."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "audit.py"


@pytest.fixture(scope="module")
def audit():
    spec = importlib.util.spec_from_file_location("ci_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VULNERABLE = {"dependencies": [
    {"name": "flask", "version": "3.1.3", "vulns": []},
    {"name": "jinja2", "version": "3.1.2", "vulns": [
        {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "aliases": ["CVE-2024-22195"],
         "description": "xmlattr filter accepts keys containing spaces"}]},
], "fixes": []}


def test_a_known_vulnerability_fails_the_run_and_names_the_fix(audit):
    status, message = audit.verdict(1, VULNERABLE, "Found 1 known vulnerability in 1 package")
    assert status == 1
    assert "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in message


def test_a_clean_audit_passes(audit):
    report = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []},
                               {"name": "thaw", "skip_reason": "editable"}]}
    status, message = audit.verdict(0, report, "No known vulnerabilities found")
    assert status == 0 and "1 packages audited, no known vulnerabilities" in message


@pytest.mark.parametrize("returncode, report, stderr", [
    # A mirror without PyPI's vulnerability data: pip-audit finds no package at all.
    (0, {"dependencies": [{"name": "flask", "skip_reason": "Dependency not found on PyPI"}]}, ""),
    # No network.
    (1, None, "pip_audit._service.interface.ServiceError: Connection error: "
              "HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded"),
    (1, None, "requests.exceptions.ConnectionError: Temporary failure in name resolution"),
    # No answer at all.
    (None, None, ""),
])
def test_an_unreachable_advisory_database_is_skipped_with_a_clear_message(
        audit, returncode, report, stderr):
    status, message = audit.verdict(returncode, report, stderr)
    assert status == 0
    assert message.startswith("pip-audit skipped: advisory database unreachable")


def test_any_other_failure_fails_the_run(audit):
    status, message = audit.verdict(2, None, "usage: pip-audit: error: unrecognized arguments")
    assert status == 1 and "unrecognized arguments" in message
