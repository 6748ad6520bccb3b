"""upcross: cross-selling and upselling for Django shops."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model

# Imports inside the functions below keep ``import upcross`` free of Django (packaging
# tools and settings modules import it before Django is configured).

__version__ = "0.1.0"


def get_product_model_string() -> str:
    """Return the ``UPCROSS_PRODUCT_MODEL`` setting ("app_label.ModelName")."""
    from upcross.conf import upcross_settings

    return upcross_settings.PRODUCT_MODEL


def get_product_model() -> type[Model]:
    """Return the host shop's product model class, like ``get_user_model()``."""
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    model_string = get_product_model_string()
    if not model_string:
        raise ImproperlyConfigured(
            "UPCROSS_PRODUCT_MODEL is not set: name your product model as 'app_label.ModelName'"
        )
    try:
        return apps.get_model(model_string, require_ready=False)
    except ValueError as exc:
        raise ImproperlyConfigured(
            "UPCROSS_PRODUCT_MODEL must be of the form 'app_label.ModelName'"
        ) from exc
    except LookupError as exc:
        raise ImproperlyConfigured(
            f"UPCROSS_PRODUCT_MODEL refers to model '{model_string}' that has not been installed"
        ) from exc
