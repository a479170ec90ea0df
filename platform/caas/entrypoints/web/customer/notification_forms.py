"""The form of the customer's notification preferences: optional channels and quiet hours."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, TimeField
from wtforms.widgets import TextInput
from wtforms.validators import Optional

from caas.i18n import lazy_gettext

#: ``22:00``; ``22:00:00`` too, as a browser's time field may send it.
CLOCK = ["%H:%M", "%H:%M:%S"]


def _clock_time() -> TimeField:
    # A text field, as GOV.UK advises for dates: a browser's time picker writes 10:00 PM
    # or 22:00 by the browser's language, not the page's, and is harder with a keyboard.
    return TimeField(format=CLOCK, validators=[Optional()], widget=TextInput(),
                     invalid_value_message=lazy_gettext("Enter a time such as 22:00."))


class PreferencesForm(FlaskForm):
    push = BooleanField()
    sms = BooleanField()
    vehicle_display = BooleanField()
    quiet_start = _clock_time()
    quiet_end = _clock_time()

    def validate(self, extra_validators=None) -> bool:
        """Quiet hours are a start and an end, or none (as the API's preferences)."""
        valid = super().validate(extra_validators)
        start, end = self.quiet_start, self.quiet_end
        if valid and (start.data is None) != (end.data is None):
            missing = end if start.data is not None else start
            missing.errors.append(lazy_gettext("Give both a start and an end, or neither."))
            return False
        return valid

    def channels(self) -> dict:
        return {"push": self.push.data, "sms": self.sms.data,
                "vehicle_display": self.vehicle_display.data}

    def quiet_hours(self) -> dict | None:
        if self.quiet_start.data is None:
            return None
        return {"start": self.quiet_start.data, "end": self.quiet_end.data}
