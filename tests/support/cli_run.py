"""Running ``lq`` in-process with an injected ``Environment`` and capturing its streams."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.main import run


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str


def lq(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str = "",
    stdout_isatty: bool = False,
) -> Result:
    """Run ``lq ARGS`` in an ``Environment`` whose variables are only the config dir + ``env``."""
    stdout, stderr = io.StringIO(), io.StringIO()
    variables = {"LQ_CONFIG_DIR": os.environ["LQ_CONFIG_DIR"], **(env or {})}
    environment = Environment(
        stdin=io.StringIO(stdin),
        stdout=stdout,
        stderr=stderr,
        stdout_isatty=stdout_isatty,
        env=variables,
    )
    status = run(list(args), environment)
    return Result(status, stdout.getvalue(), stderr.getvalue())
