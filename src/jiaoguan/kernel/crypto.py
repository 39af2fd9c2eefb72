"""Personal data at rest: SM4-GCM encryption, a keyed blind index, SM3 digests, masking.

DESIGN.md ("Personal data"): ID and phone numbers are encrypted with SM4-GCM (GB/T 32907) and
found through a keyed blind index (HMAC-SM3, GB/T 32905), never stored in clear.
"""

from __future__ import annotations

import base64
import functools
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_VERSION = b"\x01"  # ciphertext format version: 1 = SM4-GCM, 12-byte nonce, 16-byte tag
_NONCE = 12
_TAG = 16


class DecryptionError(ValueError):
    pass


def sm3_hex(data: bytes | str) -> str:
    """SM3 digest (GB/T 32905-2016) as lowercase hex."""
    h = hashes.Hash(hashes.SM3())
    h.update(data.encode() if isinstance(data, str) else data)
    return h.finalize().hex()


def canonical_json(value: Any) -> str:
    """A stable JSON text (sorted keys, no spaces) so the same data always hashes the same."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(value: Any) -> str:
    return sm3_hex(canonical_json(value))


@functools.lru_cache(maxsize=8)
def _decode_key(b64: str, *, exact: int | None = None, minimum: int = 16) -> bytes:
    key = base64.b64decode(b64)
    if exact is not None and len(key) != exact:
        raise ValueError(f"this key must be {exact} bytes (base64 of {exact} bytes)")
    if len(key) < minimum:
        raise ValueError(f"this key must be at least {minimum} bytes")
    return key


def _keys() -> tuple[bytes, bytes]:
    """(SM4 field key: exactly 16 bytes, HMAC-SM3 index key: at least 16 bytes)."""
    from django.conf import settings

    return (
        _decode_key(settings.FIELD_KEY_B64, exact=16),
        _decode_key(settings.INDEX_KEY_B64, minimum=16),
    )


def encrypt(plaintext: str, *, key: bytes | None = None, context: bytes = b"") -> bytes:
    """SM4-GCM encrypt; ``context`` (for example the field name) is bound as associated data."""
    key = key or _keys()[0]
    nonce = os.urandom(_NONCE)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(context)
    ct = enc.update(plaintext.encode()) + enc.finalize()
    return _VERSION + nonce + ct + enc.tag


def decrypt(blob: bytes, *, key: bytes | None = None, context: bytes = b"") -> str:
    key = key or _keys()[0]
    blob = bytes(blob)
    if len(blob) < 1 + _NONCE + _TAG or blob[:1] != _VERSION:
        raise DecryptionError("not an SM4-GCM field value")
    nonce, ct, tag = blob[1 : 1 + _NONCE], blob[1 + _NONCE : -_TAG], blob[-_TAG:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(context)
    try:
        return (dec.update(ct) + dec.finalize()).decode()
    except Exception as exc:  # InvalidTag
        raise DecryptionError("field value failed authentication") from exc


def blind_index(value: str, *, purpose: str, key: bytes | None = None) -> str:
    """Keyed HMAC-SM3 of a normalised value: equality search without storing the value."""
    key = key or _keys()[1]
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(purpose.encode() + b"\x00" + value.encode())
    return mac.finalize().hex()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def mask(value: str, *, keep_start: int, keep_end: int, fill: str = "*") -> str:
    """``mask("11010519491231002X", keep_start=6, keep_end=4)`` -> ``110105********002X``."""
    if len(value) <= keep_start + keep_end:
        return fill * len(value)
    return value[:keep_start] + fill * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_id_number(value: str) -> str:
    return mask(value, keep_start=6, keep_end=4)


def mask_phone(value: str) -> str:
    return mask(value, keep_start=3, keep_end=4)


def mask_name(value: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***: keep the first character only."""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else value
