"""What a payer agreed to: one official text as it stood when accepted."""

from typing import NamedTuple


class AcceptedText(NamedTuple):
    """An official text accepted by a user: its kind (a document name), version, the hash of
    its wording and the language it was read in."""

    kind: str
    version: str
    sha256: str
    language: str
