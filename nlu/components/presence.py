"""Rasa pipeline component: sparse sentence features as presence (0/1) instead of counts.

With counts, a word repeated in a long message outweighs everything else in it ("我要找人工" followed by
the same complaint pasted a hundred times was read as whatever the complaint's words lean to); with
presence, each word or n-gram counts once, as in the short training examples.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE
from rasa.shared.nlu.training_data.message import Message

from nlu.components.per_message import PerMessageComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class PresenceFeatures(PerMessageComponent):
    """Turns the counts in every sparse sentence-level feature matrix into 0/1 (place after featurizers)."""

    def transform(self, message: Message) -> None:
        for features in message.features:
            if features.is_sparse() and features.type == FEATURE_TYPE_SENTENCE:
                matrix = features.features.tocsr(copy=True)
                matrix.data[:] = matrix.data > 0
                features.features = matrix.tocoo()
