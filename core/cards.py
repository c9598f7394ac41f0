"""Card numbers in what users type: found, so they can be deleted and never stored or logged."""

import re

from core.codes import DIGIT_SEPARATORS, without_format_characters

# Runs of digit groups, separated as a payment code may be (what could be read as a code is
# checked for a card number first) or as card numbers are written out: `4242/4242/…`.
CARD_SEPARATORS = r"(?:[/_,]|" + DIGIT_SEPARATORS + r")+"
_RUN = re.compile(rf"\d+(?:{CARD_SEPARATORS}\d+)*")
_SEPARATOR = re.compile(CARD_SEPARATORS)

# Card schemes by leading digits and the lengths they issue. Payment codes of the operator
# (11…, 13…, 16…, 17…), Kyrgyz personal numbers (14 digits, 1… or 2…) and phone numbers
# (996…) are outside every range, so a Luhn-valid one is still not taken for a card.
_SCHEMES: list[tuple[tuple[int, int], int, set[int]]] = [
    ((4, 4), 1, {13, 16, 19}),  # Visa
    ((51, 55), 2, {16}),  # Mastercard
    ((2221, 2720), 4, {16}),  # Mastercard 2-series
    ((2200, 2204), 4, {16, 17, 18, 19}),  # Mir
    ((34, 34), 2, {15}),
    ((37, 37), 2, {15}),  # American Express
    ((62, 62), 2, {16, 17, 18, 19}),  # UnionPay
    ((50, 50), 2, set(range(12, 20))),
    ((56, 69), 2, set(range(12, 20))),  # Maestro and others in 5x/6x
    ((3528, 3589), 4, {16, 17, 18, 19}),  # JCB
    ((9417, 9417), 4, {16, 17, 18, 19}),  # Elcard, the Kyrgyz national card
    ((8600, 8600), 4, {16}),  # UzCard
    ((9860, 9860), 4, {16}),  # Humo
    ((9112, 9112), 4, {16}),  # Belkart
    ((81, 82), 2, {16}),  # RuPay (508 and 60 are in the 5x/6x ranges)
    ((36, 36), 2, {14, 15, 16, 17, 18, 19}),
    ((300, 305), 3, {14, 16, 17, 18, 19}),
    ((38, 39), 2, {14, 16, 17, 18, 19}),  # Diners Club
]


def luhn_valid(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _scheme_issues(number: str) -> bool:
    for (low, high), digits, lengths in _SCHEMES:
        if len(number) in lengths and low <= int(number[:digits]) <= high:
            return True
    return False


def contains_card_number(text: str) -> bool:
    """Any run of whole digit groups, 12 to 19 digits long, that a card scheme could issue
    (`4242 4242 4242 4242 12/30` holds one, whatever stands beside it)."""
    for run in _RUN.finditer(without_format_characters(text)):
        groups = _SEPARATOR.split(run.group(0))
        for start in range(len(groups)):
            number = ""
            for group in groups[start:]:
                number += group
                if len(number) > 19:
                    break
                if len(number) >= 12 and luhn_valid(number) and _scheme_issues(number):
                    return True
    return False
