"""Rasa 3.6 checks each action server response with `jsonschema.validate`, which first re-checks the
response schema against the JSON Schema meta-schema, on every call: measured with py-spy under load,
that was half of the Rasa server's main-thread time per turn. Here the schema is compiled into a
validator once; a valid response passes straight through, an invalid one still gets Rasa's own
check and error. Imported (and so applied) whenever Rasa loads the project's components.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_rasa_validate = RemoteAction._validate_action_result


@cache
def _response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    return validator_for(schema)(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    return _response_validator().is_valid(result) or _rasa_validate(self, result)


RemoteAction._validate_action_result = _validate_action_result
