"""Audit the installed packages with pip-audit: fail on a known vulnerability, not on no network.

Run with the virtual environment's Python (`.venv/bin/python .ci/audit.py`). Exit 1 when
pip-audit reports a vulnerability, or fails for a reason other than the network; exit 0 with
"skipped: advisory database unreachable" when the advisory database cannot be reached (no
network, or a package mirror that does not serve PyPI's vulnerability data, in which case
pip-audit finds none of the packages and would otherwise report "no known vulnerabilities").
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 300
# What pip-audit and requests print when the advisory service cannot be reached.
NETWORK_ERRORS = ("connectionerror", "connection error", "max retries exceeded",
                  "newconnectionerror", "name or service not known",
                  "temporary failure in name resolution", "timed out", "timeout",
                  "network is unreachable", "connection refused", "sslerror",
                  "serviceerror")
UNREACHABLE = "pip-audit skipped: advisory database unreachable"


def verdict(returncode: int | None, report: dict | None, stderr: str) -> tuple[int, str]:
    """Return the exit status and the line(s) to print for one pip-audit run.

    :param returncode: pip-audit's exit status, or None when it ran out of time.
    :param report: its JSON report, or None when it wrote none.
    """
    dependencies = (report or {}).get("dependencies", [])
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    if vulnerable:
        lines = [f"  {dep['name']} {dep.get('version', '?')}: {vuln['id']} (fixed in "
                 f"{', '.join(vuln.get('fix_versions') or []) or 'no release yet'})"
                 for dep in vulnerable for vuln in dep["vulns"]]
        return 1, "pip-audit: known vulnerabilities in installed packages:\n" + "\n".join(lines)
    if returncode is None:
        return 0, f"{UNREACHABLE} (no answer in {TIMEOUT_SECONDS} s)"
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    if returncode == 0 and audited:
        skipped = len(dependencies) - len(audited)
        return 0, (f"pip-audit: {len(audited)} packages audited, no known vulnerabilities"
                   + (f" ({skipped} not found in the advisory database)" if skipped else ""))
    if returncode == 0 and dependencies:
        return 0, f"{UNREACHABLE} (none of {len(dependencies)} packages could be looked up)"
    if any(marker in stderr.lower() for marker in NETWORK_ERRORS):
        return 0, UNREACHABLE
    return 1, f"pip-audit failed (exit {returncode}):\n{stderr.strip()[-3000:]}"


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner",
                   "off", "--timeout", "15", "--format", "json", "--output", str(output)]
        try:
            run = subprocess.run(command, capture_output=True, text=True,
                                 timeout=TIMEOUT_SECONDS)
            returncode, stderr = run.returncode, run.stderr
        except subprocess.TimeoutExpired:
            returncode, stderr = None, ""
        try:
            report = json.loads(output.read_text())
        except (OSError, ValueError):
            report = None
    status, message = verdict(returncode, report, stderr)
    print(message)
    return status


if __name__ == "__main__":
    sys.exit(main())
