"""``LEAD_<FIELD>_FILE``: any setting can be read from a file, as Kubernetes and Docker mount
secrets (``LEAD_KAFKA_SASL_PASSWORD_FILE=/var/run/secrets/kafka/password``).

The file's content is the value, without its trailing line break. Setting both ``LEAD_X`` and
``LEAD_X_FILE`` is refused: which one wins would be a guess.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from pydantic_settings.exceptions import SettingsError

FILE_SUFFIX = "_FILE"


class SecretFilesSource(PydanticBaseSettingsSource):
    """Reads ``<prefix><FIELD>_FILE`` for every field of the settings class."""

    def __init__(self, settings_cls: type[BaseSettings], prefix: str) -> None:
        super().__init__(settings_cls)
        self._prefix = prefix.upper()
        self._environ = {name.upper(): value for name, value in os.environ.items()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        variable = f"{self._prefix}{field_name.upper()}"
        path = self._environ.get(variable + FILE_SUFFIX)
        if not path:
            return None, field_name, False
        if variable in self._environ:
            raise SettingsError(f"set {variable} or {variable}{FILE_SUFFIX}, not both")
        try:
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n"), field_name, False
        except OSError as error:
            raise SettingsError(f"{variable}{FILE_SUFFIX}: cannot read {path}: {error}") from error

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(field, name)
            if value is not None:
                values[name] = value
        return values
