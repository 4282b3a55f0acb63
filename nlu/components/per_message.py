"""Base of the project's Rasa components that change each message in place, in training and at parse time."""

from __future__ import annotations

import abc
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class PerMessageComponent(GraphComponent, abc.ABC):
    """A stateless component: `transform` is applied to every training example and every parsed message."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PerMessageComponent:
        return cls()

    @abc.abstractmethod
    def transform(self, message: Message) -> None:
        """Change `message` in place."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self.transform(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.transform(message)
        return messages
