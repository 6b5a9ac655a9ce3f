"""Log lines never carry a person's name or date of birth."""

from __future__ import annotations

import io
import json

from services.platform.logging import bind_trace, configure_logging, get_logger


def test_names_and_dates_of_birth_are_never_written() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    bind_trace("corr-1", "cause-1")
    get_logger("test").info(
        "referral_received",
        given_name="Synthia",
        family_name="Testperson",
        date_of_birth="1985-03-04",
        person={"given_name": "Synthia", "family_name": "Testperson", "dob": "1985-03-04"},
        body=[{"person": {"given_name": "Synthia"}}, {"site": "hollywood"}],
        site="hollywood",
    )
    line = stream.getvalue()
    assert "Synthia" not in line
    assert "Testperson" not in line
    assert "1985-03-04" not in line
    record = json.loads(line)
    assert record["site"] == "hollywood"
    assert record["correlation_id"] == "corr-1"
    assert record["causation_id"] == "cause-1"
    assert record["body"][1] == {"site": "hollywood"}
