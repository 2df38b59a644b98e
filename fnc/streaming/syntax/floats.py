"""Float-to-text conversions matching Delphi's form writer (en-US, ``.`` as decimal separator).

* :func:`fixed18` is ``FloatToStrF(V, ffFixed, 16, 18)``: 16 significant digits, printed with 18
  decimals (``16.000000000000000000``); values of 1E16 and above switch to exponent form
  (``1.000000000000000E+0020``), as Delphi does. Tiny values whose digits 18 decimals cannot
  hold use the exponent form too (``1.500000000000000E-0020``), where Delphi would write zeros.
* :func:`general15` is ``FloatToStr(V)``: the shortest form with 15 significant digits
  (``2.5``, ``1E20``, ``1.5E-7``), used for Single/Date/Currency values and in LFM files.

Both are stable: converting the parsed result again gives the same text.
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal

from fnc.exceptions import EWriteError

__all__ = ["fixed18", "general15"]


def _check_finite(value: float) -> None:
    if math.isnan(value) or math.isinf(value):
        raise EWriteError(f"Cannot write the float value {value!r}: form files hold finite numbers")


def _split(value: float, digits: int) -> tuple[str, str, int]:
    """Sign, significant digits and decimal exponent of ``value`` rounded to ``digits`` digits.

    Rounds half-even, or toward zero where rounding up would leave the double range (the
    largest doubles), so the text always reads back as a finite number.
    """
    exact = Decimal(value)
    rounded = Context(prec=digits, rounding=ROUND_HALF_EVEN).plus(exact)
    if math.isinf(float(rounded)):
        rounded = Context(prec=digits, rounding=ROUND_DOWN).plus(exact)
    sign_bit, digit_tuple, exponent = rounded.as_tuple()
    text = "".join(map(str, digit_tuple)).ljust(digits, "0")
    return ("-" if sign_bit else ""), text, int(exponent) + len(digit_tuple) - 1


def fixed18(value: float) -> str:
    """Delphi's ``FloatToStrF(value, ffFixed, 16, 18)``."""
    if 1e-2 <= abs(value) < 1e15:
        # Python's own formatting rounds the exact value to 16 digits the same way (half
        # even), and in this range 18 decimals hold all of them: place them directly.
        mantissa, _, power = format(value, ".15e").partition("e")
        exponent = int(power)
        if -2 <= exponent < 15:
            sign = "-" if mantissa[0] == "-" else ""
            digits = mantissa.lstrip("-").replace(".", "")
            if exponent >= 0:
                return f"{sign}{digits[:exponent + 1]}.{digits[exponent + 1:]:0<18}"
            return f"{sign}0.{'0' * (-exponent - 1)}{digits:0<{19 + exponent}}"
    return _fixed18(value)


def _fixed18(value: float) -> str:
    _check_finite(value)
    sign, digits, exponent = _split(value, 16)
    exponent_form = f"{sign}{digits[0]}.{digits[1:]}E{'+' if exponent >= 0 else '-'}" \
        f"{abs(exponent):04d}"
    if exponent >= 16:
        return exponent_form
    rounded = Decimal(f"{sign}{digits[0]}.{digits[1:]}E{exponent}")
    text = format(rounded, ".18f")
    if Decimal(text) != rounded:
        # Below 1E-2 the 18 decimals can drop significant digits (Delphi would print 0.000...):
        # keep the value instead, in Delphi's exponent form.
        return exponent_form
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]
    return text


def general15(value: float) -> str:
    """Delphi's ``FloatToStr(value)``: shortest form with 15 significant digits."""
    _check_finite(value)
    if value == 0:
        return "0"
    sign, digits, exponent = _split(value, 15)
    digits = digits.rstrip("0") or "0"
    if -5 <= exponent < 15:
        text = format(Decimal(f"{digits[0]}.{digits[1:] or '0'}E{exponent}"), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return sign + text
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}E{exponent}"
