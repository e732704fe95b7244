"""All models, grouped by domain; importing this module registers every table."""

from housing_app.models.activities import Activity
from housing_app.models.tenures import HouseholdMember, Tenure
from housing_app.models.users import ApiToken, SignInThrottle, User

__all__ = ["Activity", "ApiToken", "HouseholdMember", "SignInThrottle", "Tenure", "User"]
