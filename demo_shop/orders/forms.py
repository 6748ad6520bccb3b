from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send the receipt here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
