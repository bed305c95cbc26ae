from django import forms
from django.utils.translation import gettext_lazy as _


class OcrUploadForm(forms.Form):
    file = forms.FileField(label=_("OCR file"), allow_empty_file=True)


class AllocateForm(forms.Form):
    invoice_number = forms.IntegerField(label=_("Invoice number"), min_value=1)
