"""Rasa pipeline component: normalise text before tokenisation, for every channel and for training."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, TEXT
from rasa.shared.nlu.training_data.message import Message

from frontdesk.payloads import PREFIX, as_plain_text, verified
from frontdesk.spelling import correct_typos
from frontdesk.text import nlu_limit, normalize_with_offsets
from nlu.components.per_message import PerMessageComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(PerMessageComponent):
    """Traditional → simplified Chinese, full-width → half-width, control characters out, spaces collapsed,
    homophone typos of the domain's terms corrected (社宝 → 社保; the length kept). At most MAX_MESSAGE_CHARS
    characters are read and come out, whatever the channel: the rest of the pipeline never sees more.

    A button payload the front desk signed passes unchanged (without its signature) to Rasa's payload
    handler; typed text that only looks like a payload (`/inform{...}`) is read as text. Entity offsets of
    training examples are moved with the text.
    """

    limit = nlu_limit()

    def transform(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str):
            return
        if text.lstrip().startswith(PREFIX):
            payload = verified(text)
            if payload is not None:
                message.set(TEXT, payload)
                return
            text = as_plain_text(text)
        normalized, positions = normalize_with_offsets(text, limit=self.limit)
        last = len(positions) - 1
        for entity in message.get(ENTITIES) or []:
            entity[ENTITY_ATTRIBUTE_START] = positions[min(entity[ENTITY_ATTRIBUTE_START], last)]
            entity[ENTITY_ATTRIBUTE_END] = positions[min(entity[ENTITY_ATTRIBUTE_END], last)]
        message.set(TEXT, correct_typos(normalized))
