"""The test card's digits, found in any form a text could carry them.

Order ids, receipt numbers and public ids are random hex, so a bare "4242" turns up in
one of a few thousand of them; the card's digits come as a run of pairs."""

import re

TEST_CARD_DIGITS = re.compile(r"42(?:[\s*•-]*42){3,}")


def shows_test_card(text: str) -> bool:
    return TEST_CARD_DIGITS.search(text) is not None
