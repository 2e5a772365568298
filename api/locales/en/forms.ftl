# The clinic console (en): forms.
