"""argparse value types shared by every gfsim command (one wording for every bad number)."""
import argparse


def whole_number(text, minimum=None):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if minimum is not None and v < minimum:
        what = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return v


def positive_int(text):
    return whole_number(text, 1)


def nonneg_int(text):
    return whole_number(text, 0)
