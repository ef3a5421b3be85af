"""Prints an HS256 access token shaped like the ones Supabase Auth (GoTrue)
issues, as proxy/tests/support/mod.rs builds them: usage `mint_token.py SECRET ISSUER`."""

import sys
import time
import uuid

import jwt


def main() -> None:
    secret, issuer = sys.argv[1], sys.argv[2]
    now = int(time.time())
    sub = str(uuid.uuid4())
    claims = {
        "iss": issuer,
        "sub": sub,
        "aud": "authenticated",
        "exp": now + 3600,
        "iat": now,
        "email": f"{sub[:8]}@example.com",
        "phone": "",
        "app_metadata": {"provider": "email", "providers": ["email"]},
        "user_metadata": {"full_name": "API Fuzzer"},
        "role": "authenticated",
        "aal": "aal1",
        "amr": [{"method": "password", "timestamp": now}],
        "session_id": str(uuid.uuid4()),
        "is_anonymous": False,
    }
    print(jwt.encode(claims, secret, algorithm="HS256"))


if __name__ == "__main__":
    main()
