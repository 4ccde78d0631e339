"""Field helpers shared by the resource schemas.

Titles, descriptions and lengths come from the model fields, so the OpenAPI document
and the docs page speak the same Chinese as the forms, and a length changed in a
model is changed here too.
"""

from __future__ import annotations

import copy
from enum import Enum
from typing import Annotated, Any

from django.db import models
from ninja import Field, Schema
from pydantic import BeforeValidator, ValidationError, WrapValidator, create_model
from pydantic_core import PydanticCustomError, PydanticUndefined


def _blank_for_null(value):
    return "" if value is None else value


def _null_for_blank(value):
    if isinstance(value, str) and not value.strip():
        return None
    return value


# A text column that is NOT NULL but may be blank: null is taken as "".
Text = Annotated[str, BeforeValidator(_blank_for_null)]
# A nullable identifier (MN, 国标编码, IP): "" is taken as null, so uniqueness ignores it.
NullableText = Annotated[str | None, BeforeValidator(_null_for_blank)]


def choice(choices: type[models.TextChoices]) -> Any:
    """An enum field that accepts the code (e.g. "camera") and names every choice in Chinese."""
    listing = "、".join(f"{value}（{label}）" for value, label in choices.choices)

    def validate(value, handler):
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("sitewatch_choice", "取值无效，可选：{choices}。", {"choices": listing}) from None

    return Annotated[choices, WrapValidator(validate)]


def labels(choices: type[models.TextChoices]) -> str:
    return "；".join(f"{value}={label}" for value, label in choices.choices)


def model_field(model: type[models.Model], name: str, default: Any = ..., *, description: str | None = None,
                **extra) -> Any:
    """A pydantic Field titled and described like the model field `name`."""
    field = model._meta.get_field(name)
    kwargs: dict[str, Any] = {"title": str(field.verbose_name)}
    text = description or (str(field.help_text) if field.help_text else None)
    if text:
        kwargs["description"] = text
    if isinstance(field, models.CharField) and not field.choices and field.max_length:
        kwargs["max_length"] = field.max_length
    kwargs.update(extra)
    return Field(default, **kwargs)


def out_field(model: type[models.Model], name: str, attribute: str | None = None) -> Any:
    """A response field titled like the model field; `attribute` reads another attribute (e.g. "district_id")."""
    field = model._meta.get_field(name)
    kwargs: dict[str, Any] = {"title": str(field.verbose_name)}
    if field.choices:
        kwargs["description"] = "；".join(f"{value}={label}" for value, label in field.choices)
    if attribute:
        kwargs["validation_alias"] = attribute
    return Field(..., **kwargs)


def ref_field(model: type[models.Model], name: str, default: Any = ..., *, listed_at: str) -> Any:
    """A foreign key given as the related object's id."""
    return model_field(model, name, default, description=f"编号（即 {listed_at} 返回的 id）。")


def partial(schema: type[Schema], name: str) -> type[Schema]:
    """The PATCH twin of a create schema: every field optional, only the fields sent are changed."""
    fields = {}
    for field_name, info in schema.model_fields.items():
        optional = copy.copy(info)
        optional.default = None
        optional.default_factory = None
        fields[field_name] = (info.annotation, optional)
    model = create_model(name, __base__=Changes, __doc__=schema.__doc__, **fields)
    assert all(f.default is not PydanticUndefined for f in model.model_fields.values())
    return model


class Changes(Schema):
    """Base of input schemas: the fields the client actually sent, ready for a service call."""

    def fields(self) -> dict[str, Any]:
        # Enum members become their plain codes, as the model and the audit log store them.
        return {k: (v.value if isinstance(v, Enum) else v) for k, v in self.model_dump(exclude_unset=True).items()}
