"""Rasa pipeline component: sparse sentence features as presence (0/1) instead of counts.

With counts, a word repeated in a long message outweighs everything else in it ("我要找人工" followed by
the same complaint pasted a hundred times was read as whatever the complaint's words lean to); with
presence, each word or n-gram counts once, as in the short training examples.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class PresenceFeatures(GraphComponent):
    """Turns the counts in every sparse sentence-level feature matrix into 0/1 (place after featurizers)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PresenceFeatures:
        return cls()

    @staticmethod
    def _to_presence(message: Message) -> None:
        for features in message.features:
            if features.is_sparse() and features.type == FEATURE_TYPE_SENTENCE:
                matrix = features.features.tocsr(copy=True)
                matrix.data[:] = matrix.data > 0
                features.features = matrix.tocoo()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._to_presence(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._to_presence(message)
        return messages
