"""JSON Schema files for the contract: one per event type, plus the envelope and the notice."""

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from events.envelope import Envelope
from events.notice import NOTICE_EVENT_TYPE, Notice
from events.registry import REGISTRY, EventSpec

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Schema = dict[str, Any]


def event_schema(event_type: str, spec: EventSpec) -> Schema:
    """The envelope schema with `event_type`, `schema_version` and `payload` pinned down."""
    return enveloped_schema(event_type, spec.model, spec.schema_version)


def notice_schema() -> Schema:
    """A notice as it travels on its agency's topic: in the envelope, the notice as payload."""
    return enveloped_schema(NOTICE_EVENT_TYPE, Notice, 1)


def enveloped_schema(event_type: str, model: type[BaseModel], schema_version: int) -> Schema:
    schema = Envelope.model_json_schema()
    payload = model.model_json_schema()
    definitions: Schema = {**schema.pop("$defs", {}), **payload.pop("$defs", {})}
    definitions[event_type] = payload
    properties = schema["properties"]
    properties["event_type"] = {"const": event_type, "title": "Event Type", "type": "string"}
    properties["schema_version"] = {
        "const": schema_version,
        "title": "Schema Version",
        "type": "integer",
    }
    properties["payload"] = {"$ref": f"#/$defs/{event_type}"}
    schema["title"] = f"{event_type} event"
    schema["$defs"] = definitions
    return schema


def export_json_schemas(directory: Path) -> list[Path]:
    """Write `<EventType>.schema.json` per event type (and `ProsecutorNotice.schema.json`, a
    notice as it travels), `envelope.schema.json` and `notice.schema.json` into `directory`;
    the same contract always gives identical files."""
    directory.mkdir(parents=True, exist_ok=True)
    schemas: dict[str, Schema] = {
        f"{event_type}.schema.json": event_schema(event_type, spec)
        for event_type, spec in sorted(REGISTRY.items())
    }
    schemas["envelope.schema.json"] = Envelope.model_json_schema()
    schemas["notice.schema.json"] = Notice.model_json_schema()
    schemas[f"{NOTICE_EVENT_TYPE}.schema.json"] = notice_schema()
    return [_write(directory / name, schema) for name, schema in schemas.items()]


def _write(path: Path, schema: Schema) -> Path:
    document = {"$schema": JSON_SCHEMA_DIALECT, "$id": path.name, **schema}
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
