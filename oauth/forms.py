from django import forms


class RevokeDeviceForm(forms.Form):
    device = forms.UUIDField(widget=forms.HiddenInput)
