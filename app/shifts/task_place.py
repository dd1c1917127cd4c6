"""A task's place (optional): coordinates and a radius in metres. With one, a phone's
check-in asks for its position and flags a scan from elsewhere (see app/checkin/place.py)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.errors import InvalidInput

RADIUS_RANGE = (10, 5000)
PLACE_FIELDS = ("place_latitude", "place_longitude", "place_radius_m")


def _number(value, low: float, high: float, field_name: str, message: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number != number or not low <= number <= high:
        raise InvalidInput(message, field=field_name)
    return number


def clean_place(latitude, longitude, radius) -> dict:
    """The three place fields: all empty (no place), or all given and in range."""
    given = [value not in (None, "") for value in (latitude, longitude, radius)]
    if not any(given):
        return dict.fromkeys(PLACE_FIELDS)
    if not all(given):
        raise InvalidInput(
            _("Give the latitude, the longitude and the radius, or none of them."),
            field="place_latitude",
        )
    low, high = RADIUS_RANGE
    return {
        "place_latitude": round(
            _number(latitude, -90, 90, "place_latitude", _("The latitude is -90 to 90.")), 6
        ),
        "place_longitude": round(
            _number(longitude, -180, 180, "place_longitude", _("The longitude is -180 to 180.")),
            6,
        ),
        "place_radius_m": int(
            _number(
                radius,
                low,
                high,
                "place_radius_m",
                _("The radius is %(low)d to %(high)d metres.", low=low, high=high),
            )
        ),
    }
