"""Rasa pipeline component for the pipeline comparison only (benchmarks/pipelines/c_svm_char.yml).

SklearnIntentClassifier reads dense sentence features only, and the count-vector featurizers make
sparse ones; this copies the sparse sentence vector into a dense one, so that the SVM can be
compared with LogisticRegression on the same features (benchmarks/pipelines/c_svm_char.yml).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components.per_message import PerMessageComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class DenseSentenceFeatures(DenseFeaturizer, PerMessageComponent):
    """Adds the earlier featurizers' sparse sentence features of the text again, as dense features."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return DenseFeaturizer.get_default_config()

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DenseSentenceFeatures:
        return cls(execution_context.node_name, config)

    def transform(self, message: Message) -> None:
        _, sentence = message.get_sparse_features(TEXT)
        if sentence is not None:
            self.add_features_to_message(None, sentence.features.toarray(), TEXT, message)
