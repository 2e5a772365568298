# The clinic console (es): forms.
