"""Job tests: the app runs the test job kinds (job_kinds.py) in-process on either backend."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fllc_server.config import Settings

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "job_modules": ["job_kinds"],
            "jobs_in_process": True,
            "jobs_scheduler": True,
            "jobs_tick_seconds": 0.2,
            "jobs_lease_seconds": 2.0,
        }
    )
