"""Rasa pipeline component: normalise text before tokenisation, for every channel and for training."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, TEXT
from rasa.shared.nlu.training_data.message import Message

from frontdesk.text import normalize_with_offsets
from nlu.components.per_message import PerMessageComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(PerMessageComponent):
    """Traditional → simplified Chinese, full-width → half-width, control characters out, spaces collapsed.

    Entity offsets of training examples are moved with the text.
    """

    def transform(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str):
            return
        normalized, positions = normalize_with_offsets(text)
        for entity in message.get(ENTITIES) or []:
            entity[ENTITY_ATTRIBUTE_START] = positions[entity[ENTITY_ATTRIBUTE_START]]
            entity[ENTITY_ATTRIBUTE_END] = positions[entity[ENTITY_ATTRIBUTE_END]]
        message.set(TEXT, normalized)
