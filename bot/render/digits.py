"""Unicode superscript digits: exponents drawn on pictures (10⁻⁶) and printed in
formulas (x²). Typography, not wording, so both render and the wording layer use it."""

SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
