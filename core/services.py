from enum import StrEnum


class Service(StrEnum):
    """State services paid through the operator, named as in the user agreement."""

    ID_CARD_2017 = "id_card_2017"
    PASSPORT_2020 = "passport_2020"
    DRIVING_LICENCE_NATIONAL = "driving_licence_national"
    DRIVING_LICENCE_INTERNATIONAL = "driving_licence_international"
    MEKEN_CARD = "meken_card"
    PLATE_AUCTION = "plate_auction"


# The operator's site names the service by the first digits of a payment code.
# The auction's prefix is not published; 17 is this project's choice for demo codes.
SERVICE_PREFIXES: dict[Service, str] = {
    Service.ID_CARD_2017: "11",
    Service.PASSPORT_2020: "11",
    Service.DRIVING_LICENCE_NATIONAL: "16",
    Service.DRIVING_LICENCE_INTERNATIONAL: "16",
    Service.MEKEN_CARD: "13",
    Service.PLATE_AUCTION: "17",
}
