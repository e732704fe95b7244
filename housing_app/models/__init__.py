"""All models, grouped by domain; importing this module registers every table."""

from housing_app.models.activities import Activity
from housing_app.models.contracts import Contract, ContractCharge, ContractRelatedPerson  # noqa: F401
from housing_app.models.processes import (  # noqa: F401
    Answer,
    LayoutVersion,
    Page,
    Process,
    ProcessPhoto,
    ProcessType,
    Section,
    SectionStatus,
)
from housing_app.models.tenures import HouseholdMember, Tenure
from housing_app.models.users import ApiToken, OfficerSession, SignInThrottle, User

__all__ = ["Activity", "ApiToken", "HouseholdMember", "OfficerSession", "SignInThrottle", "Tenure", "User"]
from housing_app.models.documents import GeneratedDocument as GeneratedDocument  # noqa: E402
from housing_app.models.mail import MailDelivery as MailDelivery  # noqa: E402
