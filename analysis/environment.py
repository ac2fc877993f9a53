"""Keep ``environment.yml`` (conda/Binder) in agreement with the hashed lock.

``environment.yml`` is generated from ``requirements.lock``: conda-forge gives Python 3.11 and
Quarto, pip gives exactly the locked packages. Regenerate after every change of the lock::

    python -m analysis.environment > environment.yml

A test fails when the two disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from analysis.config import REPO_ROOT

LOCK = REPO_ROOT / "requirements.lock"
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)

HEADER = """\
# Conda / Binder environment of the study. GENERATED from requirements.lock by
#     python -m analysis.environment > environment.yml
# Do not edit by hand: a test checks that this file agrees with the lock.
# conda-forge provides Python and Quarto; pip installs exactly the locked packages.
name: crm-citic-zhengzhou
channels:
  - conda-forge
  - nodefaults
dependencies:
  - python=3.11
  - quarto
  - pip
  - pip:
"""


def locked_pins(lock_text: str) -> list[str]:
    """The ``name==version[ ; marker]`` requirements of a uv/pip-compile lock, in lock order.

    Examples
    --------
    >>> locked_pins("numpy==2.3.0 \\\\\\n    --hash=sha256:00\\n")
    ['numpy==2.3.0']
    """
    pins = []
    for line in lock_text.splitlines():
        match = _PIN.match(line)
        if match:
            pin = f"{match['name']}=={match['version']}"
            pins.append(f"{pin} ; {match['marker'].strip()}" if match["marker"] else pin)
    return pins


def environment_yml(lock_text: str) -> str:
    """The text of ``environment.yml`` for a lock."""
    lines = [f'      - "{pin}"' for pin in locked_pins(lock_text)]
    lines.append('      - "-e ."')  # the analysis package itself
    return HEADER + "\n".join(lines) + "\n"


def main() -> int:
    """Print the environment file generated from ``requirements.lock``."""
    sys.stdout.write(environment_yml(Path(LOCK).read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
