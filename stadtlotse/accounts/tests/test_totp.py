import base64

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
        uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", account="erin", issuer="Stadtlotse Berlin")
        self.assertTrue(uri.startswith("otpauth://totp/Stadtlotse%20Berlin%3Aerin?"))
        self.assertIn("secret=JBSWY3DPEHPK3PXP", uri)
        self.assertIn("issuer=Stadtlotse+Berlin", uri)
