"""Rasa pipeline component: normalise text before tokenisation, for every channel and for training."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from frontdesk.text import normalize_with_offsets


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(GraphComponent):
    """Traditional → simplified Chinese, full-width → half-width, control characters out, spaces collapsed.

    Entity offsets of training examples are moved with the text.
    """

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        return cls()

    @staticmethod
    def _normalize(message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str):
            return
        normalized, positions = normalize_with_offsets(text)
        for entity in message.get(ENTITIES) or []:
            entity[ENTITY_ATTRIBUTE_START] = positions[entity[ENTITY_ATTRIBUTE_START]]
            entity[ENTITY_ATTRIBUTE_END] = positions[entity[ENTITY_ATTRIBUTE_END]]
        message.set(TEXT, normalized)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._normalize(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize(message)
        return messages
