"""The AsyncAPI 3.0 document of the three services, generated from their specs and the contract.

Channels are the topics; messages are the event schemas of ``events``; each service *sends* on
the topics its ``ServiceSpec.publishes`` and *receives* on its consumers' topics.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from events.notice import NOTICE_EVENT_TYPE
from events.registry import REGISTRY
from events.schema import event_schema, notice_schema
from events.topics import EVENTS_BY_TOPIC, NOTICES_PREFIX
from services.platform.runtime import ServiceSpec

Document = dict[str, Any]


def _channel_id(topic: str) -> str:
    return topic.replace(".", "-").replace("{", "").replace("}", "")


def _messages(topic: str, models: Mapping[str, type[BaseModel]]) -> dict[str, Any]:
    if topic in models:
        model = models[topic]
        return {model.__name__: {"name": model.__name__, "payload": model.model_json_schema()}}
    if topic.startswith(NOTICES_PREFIX):
        return {NOTICE_EVENT_TYPE: {"name": NOTICE_EVENT_TYPE, "payload": notice_schema()}}
    return {
        event_type: {"name": event_type, "payload": event_schema(event_type, REGISTRY[event_type])}
        for event_type in EVENTS_BY_TOPIC.get(topic, ())
    }


def asyncapi_document(specs: list[ServiceSpec]) -> Document:
    channels: Document = {}
    operations: Document = {}
    for spec in specs:
        received = list(dict.fromkeys(t for c in spec.consumers for t in c.topics))
        models = spec.receives
        for action, topics in (("send", spec.publishes), ("receive", received)):
            for topic in topics:
                cid = _channel_id(topic)
                channels.setdefault(cid, {"address": topic, "messages": _messages(topic, models)})
                operations[f"{spec.name}-{action}-{cid}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{cid}"},
                    "summary": f"{spec.name} {action}s on {topic}",
                }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "LEAD diversion event system", "version": "1.0.0"},
        "defaultContentType": "application/json",
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
    }


def write_asyncapi(path: Path, specs: list[ServiceSpec]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = asyncapi_document(specs)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return path
