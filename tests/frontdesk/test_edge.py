import json

import pytest

from frontdesk.edge import Refused, check_json, check_secret, inbound, is_on


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


def refusal(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(Refused) as refused:
        call(*args, **kwargs)
    return refused.value.status, refused.value.reason


def test_the_secret_must_be_there_and_right():
    check_secret("s3cret", "s3cret")
    assert refusal(check_secret, None, "s3cret")[0] == 401
    assert refusal(check_secret, "guess", "s3cret")[0] == 403
    assert refusal(check_secret, "", None)[0] == 403  # no secret configured: nothing matches


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"]
)
def test_json_bodies_pass(content_type):
    check_json(content_type)


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_what_a_web_page_can_post_without_asking_is_refused(content_type):
    assert refusal(check_json, content_type)[0] == 415


def test_a_well_formed_message_keeps_only_its_message_id():
    message = inbound(
        body(sender="telegram:42", message="人才公寓怎么申请", metadata={"message_id": "k1", "x": "y" * 999}),
        with_secret=True,
        limit=1000,
    )
    assert (message.sender, message.text, message.metadata) == (
        "telegram:42",
        "人才公寓怎么申请",
        {"message_id": "k1"},
    )
    assert inbound(body(sender="local:ab12", message="hi"), with_secret=True, limit=1000).metadata is None


def test_the_message_is_cut_to_the_limit():
    assert (
        inbound(body(sender="web:x", message="长" * 100_000), with_secret=True, limit=1000).text
        == "长" * 1000
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"\xff\xfe",
        b"[1, 2]",
        b'"hello"',
        b"null",
        b"[" * 100_000,
        body(message="hi"),
        body(sender="telegram:42"),
        body(sender="telegram:42", message=""),
        body(sender="telegram:42", message=5),
        body(sender="telegram:42", message=["hi"]),
        body(sender="telegram:42", message="\x00\x01 \u200b"),
        body(sender="admin:1", message="hi"),
        body(sender="telegram:", message="hi"),
        body(sender="telegram:42:extra", message="hi"),
        body(sender="telegram:" + "1" * 120, message="hi"),
        body(sender="bare-id", message="hi"),
        body(sender=42, message="hi"),
        body(sender="telegram:42", message="hi", metadata="k1"),
        body(sender="telegram:42", message="hi", metadata={"message_id": 7}),
        body(sender="telegram:42", message="hi", metadata={"message_id": "k" * 81}),
    ],
)
def test_malformed_bodies_are_refused_with_400(raw):
    status, reason = refusal(inbound, raw, with_secret=True, limit=1000)
    assert status == 400 and len(reason) < 200


def test_without_the_secret_only_bare_sender_ids_pass():
    assert (
        inbound(body(sender="dlg-c01-1a2b", message="hi"), with_secret=False, limit=1000).sender
        == "dlg-c01-1a2b"
    )
    assert refusal(inbound, body(sender="telegram:42", message="hi"), with_secret=False, limit=1000)[0] == 400


def test_flags():
    assert all(is_on(value) for value in ["1", "true", "Yes", " on "])
    assert not any(is_on(value) for value in [None, "", "0", "false", "off"])
