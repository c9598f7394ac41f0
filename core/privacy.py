"""Personal data shown only as much as needed."""


def mask_name(name: str) -> str:
    """`ASANOV ASAN` → `ASANOV A****`: the first word, then each later word's initial."""
    words = name.split()
    if not words:
        return ""
    return " ".join([words[0], *(f"{word[0]}****" for word in words[1:])])
