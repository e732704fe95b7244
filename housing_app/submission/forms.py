from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField


class RetryFailedEmailsForm(FlaskForm):
    submit = SubmitField("Resend failed emails now", widget=GovSubmitInput())


class SubmitProcessForm(FlaskForm):
    submit = SubmitField("Submit the visit", widget=GovSubmitInput())
