"""Forms of the columns feature: an author's contribution, the editors' decisions and the
column editor.

Times are entered in local time (`datetime-local` inputs) and converted to naive UTC here,
at the edge, so services only see UTC. Files may arrive with the form (no JavaScript) or
already uploaded by static/js/upload.js, which leaves the media file's id in a hidden field.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from app.columns.catalogue import CREDIT_CATEGORY_MAX, NAME_MAX, TEXT_MAX, ColumnFields
from app.columns.comments import MAX_COMMENT_LENGTH, MAX_REASON_LENGTH
from app.columns.contribution_fields import (
    BODY_MAX,
    CALL_NUMBER_MAX,
    COMMENT_MAX,
    LINK_TITLE_MAX,
    LINK_URL_MAX,
    TITLE_MAX,
    ContributionFields,
    LinkFields,
)
from app.columns.media import media_kinds
from app.columns.models import COLUMN_KINDS, ContentColumn, Contribution
from app.common.forms import (
    markdown_text,
    optional_text,
    reason_text,
    required_number,
    required_text,
)
from app.common.time import local_to_utc

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
LINK_ROWS = 5

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Waiting for review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "published": _l("Published"),
    "rejected": _l("Rejected"),
    "unpublished": _l("Unpublished"),
}
EVENT_LABELS = {
    "created": _l("Created"),
    "submitted": _l("Submitted for review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "scheduled": _l("Scheduled"),
    "published": _l("Published"),
    "rejected": _l("Rejected"),
    "unpublished": _l("Unpublished"),
    "featured": _l("Featured"),
    "unfeatured": _l("No longer featured"),
}
KIND_LABELS = {
    "audio": _l("Audio"),
    "video": _l("Video"),
    "article": _l("Article"),
    "ideas": _l("Ideas and feedback"),
}


def _optional_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def sent_file(field: FileField) -> FileStorage | None:
    """The file posted in `field`, or None when the person chose none."""
    upload = field.data
    if isinstance(upload, FileStorage) and upload.filename:
        return upload
    return None


class LinkForm(Form):
    """One resource row; a row left empty is ignored."""

    title = optional_text(_l("Resource title"), LINK_TITLE_MAX)
    url = optional_text(_l("Address (URL)"), LINK_URL_MAX, render_kw={"inputmode": "url"})
    call_number = optional_text(_l("Call number"), CALL_NUMBER_MAX)

    def is_empty(self) -> bool:
        values = (self.title.data, self.url.data, self.call_number.data)
        return not any((value or "").strip() for value in values)


class ContributionForm(FlaskForm):
    title = required_text(_l("Title"), _l("Please give your contribution a title."), TITLE_MAX)
    body = markdown_text(_l("Text"), BODY_MAX, 10)
    cover = FileField(_l("Cover image"))
    cover_id = HiddenField()
    media = FileField(_l("Audio or video file"))
    media_id = HiddenField()
    links = FieldList(FormField(LinkForm), min_entries=LINK_ROWS, max_entries=LINK_ROWS)
    show_full_name = BooleanField(
        _l("Show my full name"),
        description=_l("Otherwise readers see your name masked, like 张*丰."),
    )
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit for review"))

    def load(self, contribution: Contribution) -> None:
        self.title.data = contribution.title
        self.body.data = contribution.body
        self.show_full_name.data = contribution.show_full_name
        self.media_id.data = str(contribution.media_id or "")
        self.cover_id.data = str(contribution.cover_id or "")
        for row, link in zip(self.links, contribution.links, strict=False):
            row.form.title.data = link.title
            row.form.url.data = link.url
            row.form.call_number.data = link.call_number

    def fields(self, column: ContentColumn) -> ContributionFields:
        links = []
        if column.accepts_links:
            links = [
                LinkFields(
                    title=(row.form.title.data or "").strip(),
                    url=(row.form.url.data or "").strip(),
                    call_number=(row.form.call_number.data or "").strip(),
                )
                for row in self.links
                if not row.form.is_empty()
            ]
        return ContributionFields(
            title=(self.title.data or "").strip(),
            body=self.body.data or "",
            show_full_name=bool(self.show_full_name.data),
            links=links,
            media_id=self.chosen_media_id() if media_kinds(column) else None,
            cover_id=self.chosen_cover_id(),
        )

    def chosen_media_id(self) -> int | None:
        return _optional_id(self.media_id.data)

    def chosen_cover_id(self) -> int | None:
        return _optional_id(self.cover_id.data)


def _comment(label: str, missing: str) -> TextAreaField:
    return required_text(label, missing, COMMENT_MAX, field=TextAreaField, render_kw={"rows": 3})


class ChangesForm(FlaskForm):
    comment = _comment(
        _l("What should the author change?"), _l("Please tell the author what to change.")
    )


class RejectForm(FlaskForm):
    comment = _comment(_l("Why is it rejected?"), _l("Please tell the author why it is rejected."))


class UnpublishForm(FlaskForm):
    comment = _comment(
        _l("Why is it taken offline?"), _l("Please tell the author why it is taken offline.")
    )


class CommentForm(FlaskForm):
    body = markdown_text(
        _l("Your comment"), MAX_COMMENT_LENGTH, 3, missing=_l("Please write a comment.")
    )


class HideCommentForm(FlaskForm):
    reason = reason_text(
        MAX_REASON_LENGTH, _l("Please give a reason for hiding this comment."), render_kw={}
    )


class ScheduleForm(FlaskForm):
    publish_at = DateTimeLocalField(
        _l("Publish at (local time)"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(_l("Please give the time to publish."))],
    )
    submit = SubmitField(_l("Approve and publish at this time"))

    def publish_at_utc(self) -> datetime:
        """The local time typed in, as naive UTC."""
        return local_to_utc(self.publish_at.data)


def parse_logins(text: str | None) -> list[str]:
    """Student/staff numbers, one a line (commas and spaces also separate them)."""
    return [login for login in re.split(r"[\s,，、;；]+", text or "") if login]


class ColumnForm(FlaskForm):
    code = required_text(
        _l("Code (in addresses)"),
        _l("Please give the column a code."),
        32,
        description=_l("Lower-case letters, digits and hyphens, e.g. audio."),
    )
    name = required_text(_l("Name"), _l("Please give the column a name."), NAME_MAX)
    kind = SelectField(
        _l("Type of column"), choices=[(kind, KIND_LABELS[kind]) for kind in COLUMN_KINDS]
    )
    description = markdown_text(_l("Description"), TEXT_MAX, 4)
    guidelines = markdown_text(_l("Guidelines for authors"), TEXT_MAX, 4)
    accepts_audio = BooleanField(_l("Accepts audio"))
    accepts_video = BooleanField(_l("Accepts video"))
    accepts_links = BooleanField(_l("Accepts resource links"))
    max_media_mb = required_number(
        _l("Largest audio/video file (MB)"),
        _l("Please give the largest file size."),
        1,
        None,
        _l("The size must be at least 1 MB."),
    )
    credit_category = optional_text(
        _l("Second Classroom category"),
        CREDIT_CATEGORY_MAX,
        description=_l("Empty: the default category for contributions."),
    )
    credit_minutes = required_number(
        _l("Service time per published contribution (minutes)"), None, 0, None
    )
    position = IntegerField(_l("Position in lists"), default=0, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
    editors = optional_text(
        _l("Editors"),
        5_000,
        field=TextAreaField,
        description=_l("Student/staff numbers or emails of the editors, one per line."),
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Save column"))

    def load(self, column: ContentColumn) -> None:
        for name in (
            "code",
            "name",
            "kind",
            "description",
            "guidelines",
            "accepts_audio",
            "accepts_video",
            "accepts_links",
            "max_media_mb",
            "credit_minutes",
            "position",
            "active",
        ):
            getattr(self, name).data = getattr(column, name)
        self.credit_category.data = column.credit_category or ""
        self.editors.data = "\n".join(editor.user.student_number for editor in column.editors)

    def fields(self) -> ColumnFields:
        return ColumnFields(
            code=(self.code.data or "").strip(),
            name=(self.name.data or "").strip(),
            kind=self.kind.data,
            description=self.description.data or "",
            guidelines=self.guidelines.data or "",
            accepts_audio=bool(self.accepts_audio.data),
            accepts_video=bool(self.accepts_video.data),
            accepts_links=bool(self.accepts_links.data),
            max_media_mb=self.max_media_mb.data,
            credit_category=(self.credit_category.data or "").strip() or None,
            credit_minutes=self.credit_minutes.data,
            position=self.position.data or 0,
            active=bool(self.active.data),
        )

    def editor_logins(self) -> list[str]:
        return parse_logins(self.editors.data)
