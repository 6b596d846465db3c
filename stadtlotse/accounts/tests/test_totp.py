import base64
import hashlib
import hmac
import struct
from urllib.parse import parse_qs, unquote, urlsplit

from django.test import SimpleTestCase

from stadtlotse.accounts import totp

# RFC 6238, appendix B: the SHA-1 key is the ASCII string "12345678901234567890", 8-digit codes.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
               (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")]


class TotpTests(SimpleTestCase):
    def test_rfc_6238_test_vectors(self):
        for at, expected in RFC_VECTORS:
            with self.subTest(at=at):
                self.assertEqual(totp.code_at(RFC_SECRET, totp.current_step(at), digits=8), expected)

    def test_six_digit_codes_are_the_last_six_of_the_rfc_codes(self):
        for at, expected in RFC_VECTORS:
            self.assertEqual(totp.code_at(RFC_SECRET, totp.current_step(at)), expected[-6:])

    def test_a_code_matches_its_own_step_and_one_step_either_side(self):
        secret = totp.new_secret()
        now = 1_800_000_000
        step = totp.current_step(now)
        for offset in (-1, 0, 1):
            code = totp.code_at(secret, step + offset)
            self.assertEqual(totp.matching_step(secret, code, now=now), step + offset)
        self.assertIsNone(totp.matching_step(secret, totp.code_at(secret, step - 3), now=now))

    def test_malformed_codes_match_nothing(self):
        secret = totp.new_secret()
        for code in ("", "12345", "1234567", "abcdef", "12 34 5x", "١٢٣٤٥٦"):
            self.assertIsNone(totp.matching_step(secret, code), code)

    def test_spaces_in_a_typed_code_are_ignored(self):
        secret = totp.new_secret()
        code = totp.code_at(secret, totp.current_step())
        self.assertIsNotNone(totp.matching_step(secret, f"{code[:3]} {code[3:]}"))

    def test_secrets_are_random_160_bit_base32(self):
        secrets = {totp.new_secret() for _ in range(50)}
        self.assertEqual(len(secrets), 50)
        self.assertTrue(all(len(base64.b32decode(s)) == 20 for s in secrets))

    def test_provisioning_uri(self):
        uri = urlsplit(totp.provisioning_uri(RFC_SECRET, account="erin", issuer="Stadtlotse Berlin"))
        self.assertEqual((uri.scheme, uri.netloc), ("otpauth", "totp"))
        self.assertEqual(unquote(uri.path), "/Stadtlotse Berlin:erin")
        query = parse_qs(uri.query)
        self.assertEqual(query["secret"], [RFC_SECRET])
        self.assertEqual(query["issuer"], ["Stadtlotse Berlin"])
        # Six digits and 30 seconds are the defaults every app assumes when the link leaves them out.
        self.assertEqual(query.get("digits", ["6"]), ["6"])
        self.assertEqual(query.get("period", ["30"]), ["30"])

    def test_a_secret_stored_before_pyotp_still_gives_the_same_codes(self):
        # A secret as new_secret() wrote it before (base32 of 20 random bytes, upper case, no padding),
        # and its code computed by the earlier hand-written HMAC-SHA1 (RFC 4226 section 5.3).
        stored = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        mac = hmac.new(base64.b32decode(stored), struct.pack(">Q", 37_037_036), hashlib.sha1).digest()
        offset = mac[-1] & 0x0F
        expected = str((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 10**6).zfill(6)
        self.assertEqual(totp.code_at(stored, 37_037_036), expected)
        self.assertEqual(totp.code_at(stored.lower(), 37_037_036), expected)
        self.assertEqual(totp.matching_step(stored, expected, now=37_037_036 * 30), 37_037_036)
