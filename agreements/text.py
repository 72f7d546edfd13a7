"""Small text helpers the models and the checks share."""

import re


def normalised(title):
    """``title`` without case, punctuation or extra spaces: "Memorandum of
    Understanding No. 5" and "memorandum of understanding no 5" are one."""
    return " ".join(re.findall(r"\w+", (title or "").casefold()))
