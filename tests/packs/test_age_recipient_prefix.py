"""An X25519 age key whose text happens to start "age1pq" is an ordinary key, not a
post-quantum one (found when a sync test's random peer key was refused about once in a
thousand runs)."""

from __future__ import annotations

import pytest
from pyrage import x25519

from triage_app.core.errors import TriageError
from triage_app.packs.crypto import canonical_recipient


def test_an_x25519_key_starting_age1pq_is_accepted() -> None:
    for _ in range(200_000):
        recipient = str(x25519.Identity.generate().to_public())
        if recipient.startswith(("age1pq", "age1tag")):
            break
    else:  # pragma: no cover - about 1 in 1,000 keys start so
        pytest.fail("no key starting age1pq or age1tag was made")
    assert canonical_recipient(recipient) == recipient


@pytest.mark.parametrize("prefix", ["age1pq1", "age1tag1"])
def test_post_quantum_and_tag_recipients_are_still_refused(prefix: str) -> None:
    with pytest.raises(TriageError, match="is not an age X25519 public key"):
        canonical_recipient(prefix + "q" * 60)
