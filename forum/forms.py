"""Forms: field declarations and CSRF; the rules themselves live in the services."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; types-wtforms 3.2 lacks it
from wtforms.widgets import CheckboxInput, ListWidget

from forum.errors import Invalid
from forum.models import REPORT_REASONS
from forum.services.review import REPORT_LABELS, SUSPENSION_DAYS
from forum.taxonomy import load_taxonomy

EFFECTIVENESS_CHOICES = [
    SelectChoice("1", "1 – did not help"),
    SelectChoice("2", "2 – helped a little"),
    SelectChoice("3", "3 – helped somewhat"),
    SelectChoice("4", "4 – helped a lot"),
    SelectChoice("5", "5 – helped very much"),
]
STILL_USING_CHOICES = [SelectChoice("yes", "Yes"), SelectChoice("no", "No"),
                       SelectChoice("", "Prefer not to say")]


class TextForm(FlaskForm):
    """A form read from the request's text fields only.

    Flask-WTF also takes uploaded files and JSON bodies as form data; a field sent as a file,
    or JSON that is not an object, would reach the services as something other than text.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is not _Auto:
                return formdata
            if request.method in ("POST", "PUT", "PATCH", "DELETE"):
                return request.form
            return None


def treatment_choices() -> list[SelectChoice]:
    return [SelectChoice(tag.slug, tag.name) for tag in load_taxonomy().treatments]


class RegisterForm(TextForm):
    username = StringField("Username (shown to everyone)")
    email = StringField("Email (never shown to anyone)")
    password = PasswordField("Password (at least 8 characters)")
    consent = BooleanField("I agree that Thaw stores the health information I choose to share "
                           "in my posts and profile, as the privacy notice explains.")


class LoginForm(TextForm):
    username = StringField("Username")
    password = PasswordField("Password")
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()


class ForgotPasswordForm(TextForm):
    identifier = StringField("Your username or email")


class ResetPasswordForm(TextForm):
    token = HiddenField()
    password = PasswordField("New password (at least 8 characters)")


class ConfirmEmailForm(TextForm):
    token = HiddenField()


class QuestionForm(TextForm):
    title = StringField("Your question, in one line")
    body = TextAreaField("Details")
    tags = StringField("Tags: symptoms and treatments, separated by commas")


class ExperienceForm(QuestionForm):
    title = StringField("A title for your experience")
    body = TextAreaField("What happened, in your own words")
    treatment = SelectField("Treatment", choices=[])
    effectiveness = RadioField("How well did it work?", choices=EFFECTIVENESS_CHOICES)
    side_effects = StringField("Side effects, separated by commas (optional)")
    duration_months = StringField("How long you used it, in months (optional)")
    still_using = RadioField("Are you still using it?", choices=STILL_USING_CHOICES, default="")
    dose = StringField("Dose, in your own words (optional)")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.treatment.choices = [SelectChoice("", "Choose a treatment"), *treatment_choices()]


class AnswerForm(TextForm):
    body = TextAreaField("Your answer")


class ProfileForm(TextForm):
    bio = TextAreaField("About you (optional, shown on your profile)")
    treatments = SelectMultipleField(
        "Treatments you use", choices=[], widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.treatments.choices = treatment_choices()


class ChangeEmailForm(TextForm):
    email = StringField("New email (never shown to anyone)")
    current_password = PasswordField("Your current password")


class ConfirmEmailChangeForm(TextForm):
    token = HiddenField()


class ChangePasswordForm(TextForm):
    current_password = PasswordField("Your current password")
    password = PasswordField("New password (at least 8 characters)")


class DeleteAccountForm(TextForm):
    posts = RadioField("What should happen to your posts?", choices=[
        SelectChoice("remove", "Remove them. Each becomes a “removed by its author” note, so "
                               "answers from others stay readable."),
        SelectChoice("keep", "Keep them, shown as by “former member”. Nothing links them "
                             "to you any more.")])
    password = PasswordField("Your password")


class ActionForm(TextForm):
    """A button that changes something: carries only the CSRF token."""


class ReportForm(TextForm):
    reason = RadioField("Why are you reporting this post?",
                        choices=[SelectChoice(r, REPORT_LABELS[r]) for r in REPORT_REASONS])
    note = TextAreaField("Anything the moderators should know (optional)")


class ModerationEditForm(TextForm):
    title = StringField("Title")
    body = TextAreaField("Text")
    tags = StringField("Tags, separated by commas")
    reason = StringField("Why you changed it (shown in the audit log)")


class SuspendForm(TextForm):
    days = SelectField("For", choices=[SelectChoice(str(d), f"{d} day{'s' if d > 1 else ''}")
                                       for d in SUSPENSION_DAYS])


class ArticleForm(TextForm):
    title = StringField("Title")
    publisher = StringField("Publisher")
    url = StringField("Address (https://…)")
    reviewed_by = StringField("Reviewed by (leave empty if the page does not say)")
    reviewed_on = StringField("Reviewed on, YYYY-MM-DD (leave empty if unknown)")
    topics = StringField("Topics: tags separated by spaces or commas")


def show_errors(form: FlaskForm, error: Invalid) -> None:
    """Attach a service's field messages to the form's fields (or to the form as a whole)."""
    general = []
    for field, message in error.errors.items():
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [message]
        else:
            general.append(message)
    form.form_errors = general
