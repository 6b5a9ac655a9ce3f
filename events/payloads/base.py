"""The base of every event payload: its type name, topic, schema version and subject."""

from typing import Any, ClassVar

from events.common import ContractModel
from events.topics import topic_for_event


class EventPayload(ContractModel):
    """An event's fields. A concrete subclass's name is its `event_type`.

    Subclasses whose name starts with an underscore are shared field sets, not events.
    """

    event_type: ClassVar[str]
    topic: ClassVar[str]
    schema_version: ClassVar[int] = 1
    subject_field: ClassVar[str] = "referral_id"
    """The field naming the aggregate the event belongs to (also the Kafka key)."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.__name__.startswith("_"):
            return
        if cls.subject_field not in cls.model_fields:
            raise TypeError(f"{cls.__name__} has no subject field {cls.subject_field!r}")
        cls.event_type = cls.__name__
        cls.topic = topic_for_event(cls.__name__)

    @property
    def subject(self) -> str:
        return str(getattr(self, self.subject_field))
