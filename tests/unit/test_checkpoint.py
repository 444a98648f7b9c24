"""A checkpoint file (audit/chain.py Checkpoint): what it reads, refuses and signs, by hand."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from participatie.audit.chain import FORMAT, Checkpoint, CheckpointInvalid

FIELDS = {
    "format": FORMAT,
    "position": 12,
    "chain": "ab" * 32,
    "sealed": 12,
    "at": "2026-12-05T10:00:00+00:00",
    "key": "a2V5",
    "signature": "c2ln",
}


def test_a_checkpoint_file_is_read_field_by_field() -> None:
    found = Checkpoint.from_json(json.dumps(FIELDS))
    assert found == Checkpoint(12, "ab" * 32, 12, "2026-12-05T10:00:00+00:00", "a2V5", "c2ln")


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "null",
        '"checkpoint"',
        "{}",
        "{",
        json.dumps({**FIELDS, "format": "something-else"}),
        json.dumps({k: v for k, v in FIELDS.items() if k != "signature"}),
        json.dumps({k: v for k, v in FIELDS.items() if k != "position"}),
        json.dumps({**FIELDS, "position": "twaalf"}),
        json.dumps({**FIELDS, "sealed": None}),
        json.dumps({**FIELDS, "position": [1]}),
        "[" * 100_000,
    ],
)
def test_anything_else_is_refused_as_unreadable(text: str) -> None:
    with pytest.raises(CheckpointInvalid) as caught:
        Checkpoint.from_json(text)
    assert str(caught.value).startswith("unreadable checkpoint: ")


def test_the_signed_part_is_canonical_json_in_key_order() -> None:
    found = Checkpoint.from_json(json.dumps(FIELDS))
    assert (
        found.signed_part()
        == (
            '{"at":"2026-12-05T10:00:00+00:00","chain":"'
            + "ab" * 32
            + '","format":"'
            + FORMAT
            + '","key":"a2V5","position":12,"sealed":12}'
        ).encode()
    )
    assert json.loads(found.to_json()) == FIELDS
    assert found.to_json().startswith('{\n  "at": ')  # sorted, two-space indent, one per line
    assert found.to_json().endswith('"signature": "c2ln"\n}\n')


def test_only_the_signing_key_vouches_for_it() -> None:
    private, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    unsigned = Checkpoint.from_json(json.dumps(FIELDS))
    signature = base64.b64encode(private.sign(unsigned.signed_part())).decode()
    signed = Checkpoint.from_json(json.dumps({**FIELDS, "signature": signature}))
    assert signed.is_signed_by(private.public_key()) is True
    assert signed.is_signed_by(other.public_key()) is False
    assert unsigned.is_signed_by(private.public_key()) is False  # not base64 of a signature
    broken = Checkpoint.from_json(json.dumps({**FIELDS, "signature": "abc"}))  # bad padding
    assert broken.is_signed_by(private.public_key()) is False
